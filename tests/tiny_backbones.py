"""Tiny diffusers transformers of each supported family (configs like diffusers' own tests)."""
import torch

from realiz3d.models.families import TextCondition


def tiny_pixart(seed=0):
    from realiz3d.models.builtin import build_builtin_backbone

    return build_builtin_backbone("tiny", seed=seed)


def tiny_sd3(seed=0, dual=False):
    from diffusers import SD3Transformer2DModel

    torch.manual_seed(seed)
    return SD3Transformer2DModel(
        sample_size=16, patch_size=2, in_channels=4, num_layers=2, attention_head_dim=8, num_attention_heads=4,
        joint_attention_dim=32, caption_projection_dim=32, pooled_projection_dim=16, out_channels=4,
        pos_embed_max_size=16, dual_attention_layers=(0,) if dual else (),
    )


def tiny_dit(seed=0):
    from diffusers import DiTTransformer2DModel

    torch.manual_seed(seed)
    return DiTTransformer2DModel(
        num_attention_heads=2, attention_head_dim=8, in_channels=4, out_channels=4, num_layers=2,
        sample_size=8, patch_size=2, num_embeds_ada_norm=10, norm_num_groups=1,
    )


BUILDERS = {"pixart": tiny_pixart, "sd3": tiny_sd3, "dit": tiny_dit}


def inputs(family, batch=2, views=1, seed=1):
    g = torch.Generator().manual_seed(seed)
    if family == "pixart":
        x = torch.randn(batch, views, 3, 16, 16, generator=g)
        cond = TextCondition(torch.randn(batch, 5, 384, generator=g), torch.ones(batch, 5, dtype=torch.long))
    elif family == "sd3":
        x = torch.randn(batch, views, 4, 16, 16, generator=g)
        cond = TextCondition(torch.randn(batch, 5, 32, generator=g), pooled=torch.randn(batch, 16, generator=g))
    else:
        x = torch.randn(batch, views, 4, 8, 8, generator=g)
        cond = TextCondition(class_labels=torch.arange(batch) % 10)
    t = torch.linspace(100, 900, batch)
    return x, t, cond


def direct(family, backbone, x, t, cond):
    """Run the raw backbone on (B, C, H, W), the way diffusers would."""
    from realiz3d.models.families import FAMILIES

    return FAMILIES[family].call(backbone, x, t, cond)


def randomize(module, scale=0.5):
    """Give zero-initialised adapter weights non-zero values so that they do something."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn_like(p) * scale)


def save_tiny_checkpoint(path, control="camera", randomize_shifters=False):
    """A tiny built-in Realiz3D checkpoint (16x16 views) saved to `path`."""
    from realiz3d.models import ModelConfig, Realiz3DTransformer

    m = Realiz3DTransformer(tiny_pixart(), ModelConfig(control=control))
    if randomize_shifters:
        randomize(m.shifters)
    m.config.extra.update(objective="flow", resolution=16)
    m.save_pretrained(path)
    return path

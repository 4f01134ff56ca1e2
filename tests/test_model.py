"""Invariants of the model-side pieces on tiny backbones of every supported family."""
import copy

import pytest
import torch

from realiz3d.models import (
    REAL, SYNTHETIC, DomainShifters, ModelConfig, Realiz3DTransformer, ShifterConfig, resolve_domain,
)
from realiz3d.models.domain_shifter import blocks_in_synthetic
from tiny_backbones import BUILDERS, direct, inputs, randomize

FAMILIES = ["pixart", "sd3", "dit"]


def wrap(family, **cfg):
    base = BUILDERS[family]().eval()  # eval: DiT drops class labels at random in training mode
    model = Realiz3DTransformer(copy.deepcopy(base), ModelConfig(**cfg)).eval()
    return base, model


@pytest.mark.parametrize("family", FAMILIES)
def test_shifters_and_control_are_identity_at_init(family):
    base, model = wrap(family, domain="shifter", control="texturing")
    x, t, cond = inputs(family, batch=2, views=1)
    ref = direct(family, base, x[:, 0], t, cond)
    control = torch.randn(*x.shape[:2], 6, *x.shape[-2:])
    with torch.no_grad():
        for dom in ("real", "synthetic"):
            null = model(x, t, cond, control=None, domain=dom)[:, 0]
            torch.testing.assert_close(null, ref, rtol=1e-5, atol=1e-5)
            # zero-initialised control channels ignore even a non-null control at init
            ctrl = model(x, t, cond, control=control, domain=dom)[:, 0]
            torch.testing.assert_close(ctrl, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("family", ["pixart", "sd3"])
def test_switcher_is_identity_at_init(family):
    base, model = wrap(family, domain="switcher")
    x, t, cond = inputs(family)
    with torch.no_grad():
        out = model(x, t, cond, domain="synthetic")[:, 0]
        ref = direct(family, base, x[:, 0], t, cond)
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    randomize(model.switcher)
    with torch.no_grad():
        real, syn = model(x, t, cond, domain="real"), model(x, t, cond, domain="synthetic")
    assert not torch.allclose(real, syn, atol=1e-4)


def _block_outputs(model, *args, **kw):
    outs = []
    hooks = [b.register_forward_hook(lambda m, a, o: outs.append((o[-1] if isinstance(o, tuple) else o).detach().clone()))
             for b in model.blocks]
    with torch.no_grad():
        model(*args, **kw)
    for h in hooks:
        h.remove()
    return outs


@pytest.mark.parametrize("family", FAMILIES)
def test_per_block_assignment_changes_only_blocks_from_k(family):
    _, model = wrap(family)
    randomize(model.shifters)
    x, t, cond = inputs(family)
    nb = model.num_blocks
    for k in range(nb + 1):
        all_syn = _block_outputs(model, x, t, cond, domain="synthetic")
        partial = _block_outputs(model, x, t, cond, domain=blocks_in_synthetic(k, nb))
        for i in range(nb):
            same = torch.allclose(all_syn[i], partial[i], atol=1e-6)
            assert same == (i < k), f"block {i} with k={k}"


def test_mixed_domains_in_one_batch_match_separate_runs():
    _, model = wrap("pixart")
    randomize(model.shifters)
    x, t, cond = inputs("pixart", batch=2)
    ids = torch.tensor([[REAL] * model.num_blocks, [SYNTHETIC] * model.num_blocks])
    with torch.no_grad():
        mixed = model(x, t, cond, domain=ids)
        real = model(x[:1], t[:1], cond.select(slice(0, 1)), domain="real")
        syn = model(x[1:], t[1:], cond.select(slice(1, 2)), domain="synthetic")
    torch.testing.assert_close(mixed, torch.cat([real, syn]), rtol=1e-5, atol=1e-5)


def test_set_domain_is_the_default_for_later_forwards():
    _, model = wrap("pixart")
    randomize(model.shifters)
    x, t, cond = inputs("pixart")
    with torch.no_grad():
        syn = model(x, t, cond, domain="synthetic")
        model.set_domain("synthetic")
        default = model(x, t, cond)
    torch.testing.assert_close(syn, default)
    with pytest.raises(ValueError, match="per-block"):
        model.set_domain([1, 0, 1, 0, 1])


def test_resolve_domain_validates():
    assert resolve_domain("synthetic", 2, 3).tolist() == [[1, 1, 1], [1, 1, 1]]
    assert resolve_domain([1, 0, 0], 2, 3).tolist() == [[1, 0, 0], [1, 0, 0]]
    for bad in ("photo", 2, [1, 0], torch.zeros(3, 3, dtype=torch.long), [2, 0, 0]):
        with pytest.raises(ValueError):
            resolve_domain(bad, 2, 3)


@pytest.mark.parametrize("family", FAMILIES)
def test_frozen_backbone_only_shifters_get_gradients(family):
    _, model = wrap(family)
    for p in model.backbone.parameters():
        p.requires_grad_(False)
    x, t, cond = inputs(family)
    model(x, t, cond, domain=torch.tensor([[0] * model.num_blocks, [1] * model.num_blocks])).square().mean().backward()
    assert all(p.grad is None for p in model.backbone.parameters())
    # B starts at zero so only B gets a gradient in the very first step (as in LoRA)
    assert all(s.up.grad is not None and s.up.grad.abs().sum() > 0 for s in model.shifters.shifters)


@pytest.mark.parametrize("family", FAMILIES)
def test_single_image_mode_equals_per_view_runs(family):
    _, model = wrap(family, control="camera")
    randomize(model.shifters)
    x, t, cond = inputs(family, batch=2, views=4)
    with torch.no_grad():
        grid = model(x, t, cond, multiview=False, domain="synthetic")
        for v in range(4):
            alone = model(x[:, v : v + 1], t, cond, domain="synthetic")
            torch.testing.assert_close(grid[:, v : v + 1], alone, rtol=1e-5, atol=1e-5)
        mv = model(x, t, cond, multiview=True, domain="synthetic")
    assert not torch.allclose(mv, grid, atol=1e-4), "multiview mode should let views see each other"


def test_attention_mode_is_per_sample():
    _, model = wrap("pixart")
    x, t, cond = inputs("pixart", batch=2, views=4)
    with torch.no_grad():
        mixed = model(x, t, cond, multiview=torch.tensor([True, False]))
        mv = model(x[:1], t[:1], cond.select(slice(0, 1)), multiview=True)
        single = model(x[1:], t[1:], cond.select(slice(1, 2)), multiview=False)
    torch.testing.assert_close(mixed, torch.cat([mv, single]), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("family", ["pixart", "sd3"])
def test_layer_freezing_cuts_gradients_of_blocks_before_k(family):
    _, model = wrap(family)
    x, t, cond = inputs(family, batch=2)
    nb = model.num_blocks
    k = 1
    model.zero_grad()
    model(x[:1], t[:1], cond.select(slice(0, 1)), freeze_k=torch.tensor([k])).square().mean().backward()
    for i in range(nb):
        grads = [p.grad for p in model.block_parameters(i) if p.requires_grad]
        if i < k:
            assert all(g is None or g.abs().sum() == 0 for g in grads)
        else:
            assert any(g is not None and g.abs().sum() > 0 for g in grads)
    # mixed batch: the frozen sample adds nothing to blocks [0, k); the other sample adds as usual
    def grads_of(batch_idx, fk):
        model.zero_grad()
        sel = torch.tensor(batch_idx)
        out = model(x[sel], t[sel], cond.select(sel), freeze_k=torch.tensor(fk))
        # per-sample loss summed, so the batch gradient is the sum of per-sample gradients
        out.square().flatten(1).mean(1).sum().backward()
        return [p.grad.clone() if p.grad is not None else torch.zeros_like(p) for p in model.block_parameters(0)]

    both = grads_of([0, 1], [0, nb])  # sample 1 frozen entirely
    only0 = grads_of([0], [0])
    for a, b in zip(both, only0):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


def test_shifter_save_load_round_trip_and_mismatch(tmp_path):
    _, model = wrap("pixart")
    randomize(model.shifters)
    path = tmp_path / "shifters.safetensors"
    model.shifters.save(path)
    loaded = DomainShifters.load(path, expect=model.shifters.config)
    for a, b in zip(model.shifters.state_dict().values(), loaded.state_dict().values()):
        assert torch.equal(a, b)
    with pytest.raises(ValueError, match="num_blocks=2, the backbone has 6"):
        DomainShifters.load(path, expect=ShifterConfig(num_blocks=6, hidden_size=32))
    with pytest.raises(ValueError, match="hidden_size=32, the backbone has 64"):
        DomainShifters.load(path, expect=ShifterConfig(num_blocks=2, hidden_size=64, rank=4))
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="not a readable safetensors"):
        DomainShifters.load(bad)


@pytest.mark.parametrize("family", ["pixart", "sd3"])
def test_model_save_load_round_trip(tmp_path, family):
    _, model = wrap(family, control="camera", domain="shifter" if family == "pixart" else "switcher")
    randomize(model.shifters if model.shifters is not None else model.switcher)
    with torch.no_grad():
        model.family.patch_conv(model.backbone).weight.add_(0.1)
    model.save_pretrained(tmp_path / "ckpt")
    again = Realiz3DTransformer.from_pretrained(tmp_path / "ckpt")
    x, t, cond = inputs(family, views=2)
    control = torch.randn(*x.shape[:2], 6, *x.shape[-2:])
    with torch.no_grad():
        torch.testing.assert_close(model(x, t, cond, control, "synthetic"), again(x, t, cond, control, "synthetic"))


@pytest.mark.parametrize("family,form", [(f, "token") for f in FAMILIES] + [("pixart", "caption")])
def test_token_form_shifters_are_identity_at_init_and_shift_each_token_differently(family, form, tmp_path):
    base, model = wrap(family, domain="shifter", shifter_form=form)
    x, t, cond = inputs(family, batch=2, views=1)
    ref = direct(family, base, x[:, 0], t, cond)
    with torch.no_grad():
        for dom in ("real", "synthetic"):
            torch.testing.assert_close(model(x, t, cond, domain=dom)[:, 0], ref, rtol=1e-5, atol=1e-5)
    sh = model.shifters[0]
    with torch.no_grad():
        sh.token_up.normal_()
    h = torch.randn(2, 5, sh.token_down.shape[1])
    with torch.no_grad():
        real, syn = sh(h, torch.tensor([0, 0])), sh(h, torch.tensor([1, 1]))
    delta = syn - real  # bias (zero here) + a per-token map: differs between tokens
    assert not torch.allclose(delta[:, 0], delta[:, 1], atol=1e-4)
    model.save_pretrained(tmp_path / "ckpt")
    again = Realiz3DTransformer.from_pretrained(tmp_path / "ckpt")
    assert again.shifters.config.form == form
    with torch.no_grad():
        torch.testing.assert_close(model(x, t, cond, domain="synthetic"), again(x, t, cond, domain="synthetic"))
    # shifters of one form do not load onto a model with the other
    _, plain = wrap(family, domain="shifter")
    with pytest.raises(ValueError, match=f"form={form}, the backbone has bias"):
        plain.load_domain_shifters(tmp_path / "ckpt")


@pytest.mark.parametrize("family", ["pixart", "sd3"])
def test_caption_form_shifts_the_caption_tokens_each_block_reads(family, tmp_path):
    """shifter_form=caption: each block's caption tokens get their own token-form shifter,
    zero-initialised (identity in both domains); once trained, synthetic mode changes the
    output through the caption path alone (image-token shifters left at zero)."""
    base, model = wrap(family, domain="shifter", shifter_form="caption")
    assert model.shifters.captions is not None and len(model.shifters.captions) == model.num_blocks
    x, t, cond = inputs(family, batch=2, views=1)
    ref = direct(family, base, x[:, 0], t, cond)
    with torch.no_grad():
        for dom in ("real", "synthetic"):
            torch.testing.assert_close(model(x, t, cond, domain=dom)[:, 0], ref, rtol=1e-5, atol=1e-5)
        for sh in model.shifters.captions:
            sh.token_up[1].normal_(std=0.5)  # synthetic only
        torch.testing.assert_close(model(x, t, cond, domain="real")[:, 0], ref, rtol=1e-5, atol=1e-5)
        syn = model(x, t, cond, domain="synthetic")[:, 0]
    assert (syn - ref).abs().max() > 1e-3
    # the caption shifters are trained with the rest (domain_parameters) and saved with them
    ids = {id(p) for p in model.domain_parameters()}
    assert all(id(p) in ids for p in model.shifters.captions.parameters())
    model.save_pretrained(tmp_path / "ckpt")
    again = Realiz3DTransformer.from_pretrained(tmp_path / "ckpt")
    with torch.no_grad():
        torch.testing.assert_close(again(x, t, cond, domain="synthetic")[:, 0], syn)


def test_shifter_config_validation():
    with pytest.raises(ValueError, match="rank"):
        ShifterConfig(num_blocks=2, hidden_size=8, rank=16)
    with pytest.raises(ValueError, match="model.domain"):
        ModelConfig(domain="lora")
    with pytest.raises(ValueError, match="model.shifter_form='lora'"):
        ModelConfig(shifter_form="lora")
    with pytest.raises(ValueError, match="control kind"):
        ModelConfig(control="depth")


def test_builtin_default_preset_size_and_shifter_budget():
    from realiz3d.models.builtin import build_builtin_backbone

    model = Realiz3DTransformer(build_builtin_backbone("default"), ModelConfig(rank=4))
    n_backbone = sum(p.numel() for p in model.backbone.parameters())
    assert 3.5e6 < n_backbone < 4.5e6
    assert model.shifters.num_parameters() / n_backbone <= 0.005


def test_pixel_resolution_control_is_pooled_to_latent_resolution():
    from realiz3d.models.control import control_to_resolution

    _, model = wrap("sd3", control="camera")
    with torch.no_grad():
        model.backbone.pos_embed.proj.weight.normal_()
    x, t, cond = inputs("sd3", views=2)  # latents 16x16
    pixel = torch.randn(2, 2, 6, 128, 128)  # maps at 8x the latent resolution
    pooled = control_to_resolution(pixel, (16, 16))
    assert pooled.shape == (2, 2, 6, 16, 16)
    torch.testing.assert_close(pooled[0, 0, :, 0, 0], pixel[0, 0, :, :8, :8].mean(dim=(1, 2)))
    with torch.no_grad():
        torch.testing.assert_close(model(x, t, cond, control=pixel), model(x, t, cond, control=pooled))
    with pytest.raises(ValueError, match="cannot be pooled"):
        control_to_resolution(torch.zeros(1, 6, 20, 20), (16, 16))


@pytest.mark.parametrize("family", ["pixart", "sd3"])
def test_camera_embedding_is_identity_at_init_and_zero_for_null_control(family):
    base, model = wrap(family, domain="shifter", control="camera", camera_embedding=True)
    assert model.camera_embedding is not None
    x, t, cond = inputs(family, batch=2, views=2)
    cams = torch.randn(*x.shape[:2], 6, *x.shape[-2:])
    ref = torch.stack([direct(family, base, x[:, v], t, cond) for v in range(2)], 1)
    with torch.no_grad():
        single = model(x, t, cond, control=cams, domain="real", multiview=False)
    torch.testing.assert_close(single, ref, rtol=1e-5, atol=1e-5)
    # trained (non-zero) embedding: different cameras give different outputs, but null
    # control (the real samples) still adds exactly nothing
    randomize(model.camera_embedding)
    with torch.no_grad():
        a = model(x, t, cond, control=cams, domain="real")
        b = model(x, t, cond, control=cams.flip(1), domain="real")
        null = model(x, t, cond, control=None, domain="real", multiview=False)
    assert not torch.allclose(a, b, atol=1e-4)  # the control channels are still zero: this is the embedding
    torch.testing.assert_close(null, ref, rtol=1e-5, atol=1e-5)


def test_camera_embedding_round_trip_and_opt_in(tmp_path):
    _, model = wrap("pixart", control="camera", camera_embedding=True)
    randomize(model.camera_embedding)
    model.save_pretrained(tmp_path / "ckpt")
    again = Realiz3DTransformer.from_pretrained(tmp_path / "ckpt")
    for k, v in model.camera_embedding.state_dict().items():
        assert torch.equal(v, again.camera_embedding.state_dict()[k])
    # off unless asked for: checkpoints written before it existed load as they were
    assert wrap("pixart", control="camera")[1].camera_embedding is None
    # attaching it with camera control to a model without control: a fresh (zero) embedding
    plain, _ = wrap("pixart")
    Realiz3DTransformer(plain, ModelConfig()).save_pretrained(tmp_path / "plain")
    widened = Realiz3DTransformer.from_pretrained(tmp_path / "plain", control="camera", camera_embedding=True)
    assert widened.camera_embedding is not None and widened.camera_embedding.fc2.weight.abs().sum() == 0
    with pytest.raises(ValueError, match="camera_embedding needs control='camera'"):
        wrap("pixart", control="texturing", camera_embedding=True)


@pytest.mark.parametrize("family", ["pixart", "sd3"])
def test_camera_embedding_with_normal_init_is_identity_for_null_control_and_sees_cameras_at_once(family):
    """init='normal' starts the camera MLP with random weights (no zero gate), yet null
    control still gives the pretrained model exactly; with cameras it changes the output."""
    base, model = wrap(family, domain="shifter", control="camera", camera_embedding=True,
                       camera_embedding_init="normal")
    assert model.camera_embedding.fc2.weight.abs().sum() > 0
    x, t, cond = inputs(family, batch=2, views=2)
    ref = torch.stack([direct(family, base, x[:, v], t, cond) for v in range(2)], 1)
    cams = torch.randn(*x.shape[:2], 6, *x.shape[-2:])
    with torch.no_grad():
        null = model(x, t, cond, control=None, domain="real", multiview=False)
        zeros = model(x, t, cond, control=torch.zeros_like(cams), domain="real", multiview=False)
        a = model(x, t, cond, control=cams, domain="real", multiview=False)
        rolled = model(x, t, cond, control=cams.roll(1, 1), domain="real", multiview=False)
    torch.testing.assert_close(null, ref, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(zeros, ref, rtol=1e-5, atol=1e-5)
    assert not torch.allclose(a, ref, atol=1e-4)  # the cameras reach the model from the first step
    assert not torch.allclose(a, rolled, atol=1e-4)
    with pytest.raises(ValueError, match="camera_embedding_init"):
        ModelConfig(control="camera", camera_embedding=True, camera_embedding_init="ones")


@pytest.mark.parametrize("family", FAMILIES)
def test_per_view_timesteps_equal_per_sample_ones_when_equal_and_differ_otherwise(family):
    _, model = wrap(family, domain="shifter")
    x, t, cond = inputs(family, batch=2, views=2)
    t = torch.as_tensor(t).expand(2) if torch.as_tensor(t).ndim == 0 else torch.as_tensor(t)
    with torch.no_grad():
        ref = model(x, t, cond, domain="real")
        same = model(x, t[:, None].expand(2, 2), cond, domain="real")
        other = model(x, torch.stack([t, t * 0.5], 1), cond, domain="real")
    torch.testing.assert_close(same, ref, rtol=0, atol=0)
    assert not torch.allclose(other[:, 1], ref[:, 1], atol=1e-4)
    with pytest.raises(ValueError, match="timestep of shape"):
        model(x, torch.zeros(2, 3), cond, domain="real")


@pytest.mark.parametrize("family", ["pixart", "dit"])
def test_grid_layout_is_the_papers_tiled_grid(family):
    """model.layout=grid on a batch of views equals the raw backbone on the views tiled into
    one image (multiview mode: attention over the whole grid) and untiled again. (SD3's joint
    attention keeps one copy of the text tokens per view, where a tiled image has one.)"""
    from realiz3d.grid import tile, untile

    base, model = wrap(family, domain="shifter", layout="grid")
    x, t, cond = inputs(family, batch=2, views=4)
    with torch.no_grad():
        ours = model(x, t, cond, domain="real", multiview=True)
        ref = untile(direct(family, base, tile(x), t, cond), 4)
        batch_layout = wrap(family, domain="shifter")[1](x, t, cond, domain="real", multiview=True)
    torch.testing.assert_close(ours, ref, rtol=1e-4, atol=1e-4)
    assert not torch.allclose(batch_layout, ref, atol=1e-3)  # the positions matter
    # one view (single images: pretraining, stage 1) is the backbone itself
    with torch.no_grad():
        one = model(x[:, :1], t, cond, domain="real")
    torch.testing.assert_close(one[:, 0], direct(family, base, x[:, 0], t, cond), rtol=1e-5, atol=1e-5)


def test_grid_layout_single_image_mode_runs_each_view_at_its_tile():
    """Real grids (single-image mode): each view attends only to itself, at its tile's positions:
    equal to running it alone with those positions, and independent of the other views."""
    from realiz3d.models.model import grid_position_offsets

    base, model = wrap("pixart", domain="shifter", layout="grid")
    x, t, cond = inputs("pixart", batch=1, views=4)
    with torch.no_grad():
        ours = model(x, t, cond, domain="real", multiview=False)
        other = x.clone()
        other[:, 1:] = torch.randn_like(other[:, 1:])
        changed = model(other, t, cond, domain="real", multiview=False)
    torch.testing.assert_close(changed[:, 0], ours[:, 0], rtol=1e-5, atol=1e-5)  # view 0 sees only itself
    pe = base.pos_embed
    offs = grid_position_offsets(model.backbone.pos_embed, 4, 16, 16)
    for v in range(4):
        h = pe.register_forward_hook(lambda m, a, o, v=v: o + offs[v])
        with torch.no_grad():
            alone = direct("pixart", base, x[:, v], t, cond)
        h.remove()
        torch.testing.assert_close(ours[:, v], alone, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="model.layout"):
        ModelConfig(layout="tiles")


def _ring(azimuths, res=16):
    from realiz3d.camera import orbit_camera
    from realiz3d.pipeline import camera_maps

    return camera_maps([orbit_camera(a, 20.0, 2.6, res) for a in azimuths], 2)  # (2, N, 6, res, res)


def test_view_azimuths_reads_the_cameras_and_zero_for_null_control():
    import math

    from realiz3d.models.model import view_azimuths

    az = [0.0, 90.0, 135.0, 200.0, 315.0]
    got = view_azimuths(_ring(az)[0])
    want = torch.tensor([math.radians(a) for a in az])
    diff = torch.remainder(got - want + math.pi, 2 * math.pi) - math.pi
    assert diff.abs().max() < 1e-3
    assert torch.equal(view_azimuths(torch.zeros(3, 6, 16, 16)), torch.zeros(3))


@pytest.mark.parametrize("family", ["pixart", "sd3"])
def test_view_rope_is_identity_for_null_control_and_single_images_and_sees_relative_azimuth_only(family):
    """model.view_rope turns queries and keys by the view's azimuth: null control and single-image
    mode give the model without it exactly; between views only the azimuth difference counts."""
    _, plain = wrap(family, domain="shifter", control="camera")
    _, rope = wrap(family, domain="shifter", control="camera", view_rope=2)
    x, t, cond = inputs(family, batch=2, views=4)
    cams = _ring([0, 90, 180, 270])
    with torch.no_grad():
        torch.testing.assert_close(rope(x, t, cond, control=None, domain="real"),
                                   plain(x, t, cond, control=None, domain="real"), rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(rope(x, t, cond, control=cams, domain="real", multiview=False),
                                   plain(x, t, cond, control=cams, domain="real", multiview=False), rtol=1e-5, atol=1e-5)
        a = rope(x, t, cond, control=cams, domain="real")
        turned = rope(x, t, cond, control=_ring([37, 127, 217, 307]), domain="real")  # every camera + 37 degrees
        other = rope(x, t, cond, control=_ring([0, 180, 90, 270]), domain="real")  # other differences
        ref = plain(x, t, cond, control=cams, domain="real")
    assert not torch.allclose(a, ref, atol=1e-4)  # the cameras reach attention from the first step
    torch.testing.assert_close(turned, a, rtol=1e-4, atol=1e-4)
    assert not torch.allclose(other, a, atol=1e-4)


def test_view_rope_config_and_round_trip(tmp_path):
    _, model = wrap("pixart", control="camera", view_rope=3)
    model.save_pretrained(tmp_path / "ck")
    assert Realiz3DTransformer.from_pretrained(tmp_path / "ck").layout.rope_pairs == 3
    assert wrap("pixart", control="camera")[1].layout.rope_pairs == 0  # off unless asked for
    with pytest.raises(ValueError, match="view_rope needs control='camera'"):
        ModelConfig(control="texturing", view_rope=2)
    with pytest.raises(ValueError, match="view_rope=-1"):
        ModelConfig(control="camera", view_rope=-1)
    _, wide = wrap("pixart", control="camera", view_rope=1000)
    x, t, cond = inputs("pixart", batch=2, views=4)
    with pytest.raises(ValueError, match="channels per attention head"):
        wide(x, t, cond, control=_ring([0, 90, 180, 270]))


def test_sd3_shifter_bias_reaches_text_tokens_by_default_image_only_as_option(tmp_path):
    """Joint blocks: the paper adds the shifter bias to all tokens of a block; 'image' keeps
    the text tokens unshifted (and is what checkpoints saved before the option load as)."""
    import json

    x, t, cond = inputs("sd3", batch=2, views=1)
    _, model = wrap("sd3", domain="shifter")
    assert model.config.shifter_tokens == "all"
    torch.manual_seed(0)
    randomize(model.shifters)
    seen = {}
    # registered after the model's own pre-hook: sees the block's inputs once shifted
    import inspect

    model.blocks[0].register_forward_pre_hook(lambda m, a, k: seen.__setitem__(
        "text", inspect.signature(m.forward).bind(*a, **k).arguments["encoder_hidden_states"].clone()), with_kwargs=True)
    outs, text = {}, {}
    for tokens in ("all", "image"):
        model.config.shifter_tokens = tokens
        with torch.no_grad():
            outs[tokens] = model(x, t, cond, domain="synthetic")
        text[tokens] = seen["text"]
    bias = model.shifters.shifters[0].table()[SYNTHETIC]
    torch.testing.assert_close(text["all"] - text["image"], bias.expand_as(text["all"]), rtol=1e-4, atol=1e-5)
    assert not torch.allclose(outs["all"], outs["image"], atol=1e-4)
    model.save_pretrained(tmp_path / "ck")
    raw = json.loads((tmp_path / "ck" / "realiz3d_config.json").read_text())
    raw.pop("shifter_tokens")
    (tmp_path / "ck" / "realiz3d_config.json").write_text(json.dumps(raw))
    assert Realiz3DTransformer.from_pretrained(tmp_path / "ck").config.shifter_tokens == "image"
    with pytest.raises(ValueError, match="shifter_tokens"):
        ModelConfig(shifter_tokens="text")

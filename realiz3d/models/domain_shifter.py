"""Domain Shifters (Realiz3D, Sec. 4.1) and the domain state that drives them.

A Domain Shifter belongs to one transformer block. It holds two learned domain
embeddings e_real, e_syn (dimension `embed_dim`) and a shared rank-r map B @ A into the
block's hidden size; every token entering the block gets B @ A @ e_d added, with d the
sample's domain for that block. B starts at zero (as LoRA's up-projection does), so a
freshly attached set of shifters leaves the pretrained model exactly unchanged.

The domain state is an integer tensor (batch, num_blocks): 0 = real, 1 = synthetic. It
lets one batch mix domains, lets blocks [0, k) run in one domain and the rest in the
other (domain reassignment, inference-time domain shifting) and lets a sampler change
it between steps.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence, Union

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from ..errors import InputError, InputFileError

REAL, SYNTHETIC = 0, 1
DOMAIN_NAMES = {"real": REAL, "synthetic": SYNTHETIC}

SHIFTER_FORMS = ("bias", "token", "caption")
PER_TOKEN_FORMS = ("token", "caption")  # the forms whose shifters also map each token (U_d V h)

DomainSpec = Union[str, int, Sequence[int], torch.Tensor, None]


def resolve_domain(spec: DomainSpec, batch: int, num_blocks: int, device=None) -> torch.Tensor:
    """Turn any user-facing domain description into a (batch, num_blocks) long tensor.

    "real" / "synthetic" / 0 / 1: every block of every sample; a sequence or 1-D tensor of
    length num_blocks: a per-block assignment shared by the batch; a (batch, num_blocks)
    tensor: per sample and per block. None means all real (the inference default).
    """
    if spec is None:
        spec = REAL
    if isinstance(spec, str):
        if spec not in DOMAIN_NAMES:
            raise InputError(f"domain {spec!r}: expected 'real', 'synthetic' or a per-block list of 0/1")
        spec = DOMAIN_NAMES[spec]
    if isinstance(spec, int):
        if spec not in (REAL, SYNTHETIC):
            raise InputError(f"domain id {spec}: expected 0 (real) or 1 (synthetic)")
        return torch.full((batch, num_blocks), spec, dtype=torch.long, device=device)
    ids = torch.as_tensor(spec, dtype=torch.long, device=device)
    if ids.ndim == 1:
        if ids.numel() != num_blocks:
            raise InputError(f"per-block domain assignment has {ids.numel()} entries, model has {num_blocks} blocks")
        ids = ids.expand(batch, num_blocks)
    if ids.shape != (batch, num_blocks):
        raise InputError(f"domain tensor of shape {tuple(ids.shape)}: expected ({batch}, {num_blocks})")
    if ((ids != REAL) & (ids != SYNTHETIC)).any():
        raise InputError("domain ids must be 0 (real) or 1 (synthetic)")
    return ids


def blocks_in_synthetic(k: int, num_blocks: int, rest: int = REAL) -> list[int]:
    """Per-block assignment with blocks [0, k) synthetic and the others `rest`."""
    if not 0 <= k <= num_blocks:
        raise InputError(f"k={k}: expected 0 <= k <= {num_blocks}")
    return [SYNTHETIC] * k + [rest] * (num_blocks - k)


@dataclass
class ShifterConfig:
    num_blocks: int
    hidden_size: int
    rank: int = 4
    embed_dim: int | None = None  # defaults to hidden_size
    # "bias": the paper's form, one constant bias per domain and block (Sec. 4.1);
    # "token" (beyond the paper): that bias plus a per-domain low-rank linear map of each token,
    # U_d @ V @ h, so that the shift can differ between tokens and noise levels;
    # "caption" (beyond the paper): the token form, and a second token-form shifter per block
    # for the caption tokens the block reads (cross-attention keys and values, or a joint
    # block's text stream), whose size is `caption_size` (default hidden_size)
    form: str = "bias"
    caption_size: int | None = None

    def __post_init__(self):
        if self.embed_dim is None:
            self.embed_dim = self.hidden_size
        if self.caption_size is None:
            self.caption_size = self.hidden_size
        if self.form not in SHIFTER_FORMS:
            raise InputError(f"shifter form={self.form!r}: expected one of {SHIFTER_FORMS}")
        for name in ("num_blocks", "hidden_size", "rank", "embed_dim", "caption_size"):
            if int(getattr(self, name)) < 1:
                raise InputError(f"shifter {name}={getattr(self, name)}: expected a positive integer")
        if self.rank > min(self.hidden_size, self.embed_dim):
            raise InputError(f"shifter rank={self.rank}: expected <= min(hidden_size, embed_dim) = {min(self.hidden_size, self.embed_dim)}")


class DomainShifter(nn.Module):
    """One block's shifter: bias(d) = B @ A @ e_d, added to every token; with form="token" also
    U_d @ V @ h for each token h (U starts at zero, like B)."""

    def __init__(self, hidden_size: int, rank: int, embed_dim: int, form: str = "bias"):
        super().__init__()
        self.form = form
        if form in PER_TOKEN_FORMS:
            self.token_down = nn.Parameter(torch.empty(rank, hidden_size))  # V: (r, D)
            self.token_up = nn.Parameter(torch.zeros(2, hidden_size, rank))  # U_d: (2, D, r), zero => identity
            nn.init.kaiming_uniform_(self.token_down, a=math.sqrt(5))
        # unit-variance embeddings: with LoRA's init of A, A @ e then has entries of std ~0.6, so
        # B's updates act on the hidden states at their own scale (a 1/sqrt(E) scaling of e
        # made the learned bias ~20x smaller and stage 1 barely moved)
        self.embeddings = nn.Parameter(torch.randn(2, embed_dim))  # (2, E): real, synthetic
        self.down = nn.Parameter(torch.empty(rank, embed_dim))  # A: (r, E)
        self.up = nn.Parameter(torch.zeros(hidden_size, rank))  # B: (D, r), zero => identity at init
        nn.init.kaiming_uniform_(self.down, a=math.sqrt(5))

    def table(self) -> torch.Tensor:
        """The two possible biases, (2, D)."""
        return self.embeddings @ self.down.t() @ self.up.t()

    def forward(self, hidden_states: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        # hidden_states: (B, T, D); ids: (B,) domain per row
        bias = self.table().to(hidden_states.dtype)[ids]  # (B, D)
        out = hidden_states + bias[:, None, :]
        if self.form in PER_TOKEN_FORMS:
            low = hidden_states @ self.token_down.t().to(hidden_states.dtype)  # (B, T, r)
            up = self.token_up.to(hidden_states.dtype)[ids]  # (B, D, r)
            out = out + torch.einsum("btr,bdr->btd", low, up)
        return out


class DomainShifters(nn.Module):
    """The shifters of a whole backbone, one per block, saved apart from the backbone."""

    def __init__(self, config: ShifterConfig):
        super().__init__()
        self.config = config
        self.shifters = nn.ModuleList(
            DomainShifter(config.hidden_size, config.rank, config.embed_dim, config.form) for _ in range(config.num_blocks)
        )
        # form "caption": block i's caption tokens get captions[i] (token form, zero-initialised)
        self.captions = None
        if config.form == "caption":
            self.captions = nn.ModuleList(
                DomainShifter(config.caption_size, config.rank, config.embed_dim, "token") for _ in range(config.num_blocks)
            )

    def __getitem__(self, i: int) -> DomainShifter:
        return self.shifters[i]

    def __len__(self) -> int:
        return len(self.shifters)

    # -- persistence ---------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        path = Path(path)
        meta = {"realiz3d": "domain_shifters", "config": json.dumps(asdict(self.config))}
        tensors = {k: v.detach().contiguous().cpu() for k, v in self.state_dict().items()}
        tmp = path.with_name(path.name + ".tmp")
        save_file(tensors, str(tmp), metadata=meta)
        tmp.replace(path)

    @staticmethod
    def read_config(path: str | Path) -> ShifterConfig:
        from safetensors import safe_open

        path = Path(path)
        if not path.is_file():
            raise InputFileError(f"{path}: no such shifter file")
        try:
            with safe_open(str(path), "pt") as f:
                meta = f.metadata() or {}
        except Exception as e:  # safetensors raises several types for damaged files
            raise InputError(f"{path}: not a readable safetensors file ({e})") from None
        if meta.get("realiz3d") != "domain_shifters":
            raise InputError(f"{path}: not a Domain Shifter file (no realiz3d metadata)")
        return ShifterConfig(**json.loads(meta["config"]))

    @classmethod
    def load(cls, path: str | Path, expect: ShifterConfig | None = None) -> "DomainShifters":
        """Load shifters; with `expect`, fail clearly if they were made for another backbone."""
        cfg = cls.read_config(path)
        if expect is not None:
            for name in ("num_blocks", "hidden_size", "form", "caption_size"):
                got, want = getattr(cfg, name), getattr(expect, name)
                if got != want:
                    raise InputError(f"{path}: shifters have {name}={got}, the backbone has {want}")
        shifters = cls(cfg)
        shifters.load_state_dict(load_file(str(path)))
        return shifters

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

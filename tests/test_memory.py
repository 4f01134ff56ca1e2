"""The memory computation (realiz3d.memory) against the measured peak of real training steps
of the tiny pipelines' transformers, at sizes larger than the probes it extrapolates from."""
import pytest
import torch

from realiz3d.memory import MB, LiveBytes, estimate


@pytest.fixture(scope="module")
def pipes(tmp_path_factory):
    from realiz3d.tiny_pipelines import build_tiny_pipeline

    root = tmp_path_factory.mktemp("pipes")
    return {f: build_tiny_pipeline(f, root / f) for f in ("pixart", "sd3")}


def _measured_step(model, stage, batch, views, size, text_len, checkpointing):
    """Weights + optimizer state + the live-tensor peak of one full training step (forward,
    backward, AdamW step), measured."""
    from realiz3d.memory import _inputs
    from realiz3d.run_setup import set_trainable

    params = set_trainable(model, stage)
    opt = torch.optim.AdamW(params, lr=1e-4)
    if checkpointing:
        model.backbone.enable_gradient_checkpointing()
    x, cond, ctrl = _inputs(model, batch, views, size, text_len)

    def step():
        out = model(x, torch.full((batch,), 500.0), cond, control=ctrl, domain="synthetic")
        out.square().mean().backward()
        del out
        opt.step()
        opt.zero_grad(set_to_none=True)

    step()  # creates the optimizer state
    mode = LiveBytes()
    with mode:
        step()
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    state = sum(t.numel() * t.element_size() for s in opt.state.values() for t in s.values() if torch.is_tensor(t) and t.ndim)
    return (weights + state + mode.peak) / MB


@pytest.mark.parametrize("family,stage,batch,views,size,ckpt", [
    ("pixart", "stage2", 8, 4, 32, False),
    ("pixart", "stage1", 32, 1, 32, False),
    ("pixart", "stage2", 8, 4, 32, True),
    ("sd3", "stage2", 4, 4, 32, False),
])
def test_estimate_matches_measured_peak(pipes, family, stage, batch, views, size, ckpt):
    from realiz3d.run_setup import build_model
    from realiz3d.config import load_config

    cfg = load_config(None, [f"model.path={pipes[family]}", f"train.stage={stage}", "model.control=texturing"])
    model = build_model(cfg)
    est = estimate(model, stage, batch, views, size, text_len=24, compute_bytes=4, gradient_checkpointing=ckpt)
    measured = _measured_step(build_model(cfg), stage, batch, views, size, 24, ckpt)
    assert est.tokens_per_view == (size // 2) ** 2
    assert abs(est.total_mb - measured) <= 0.15 * measured, (est, measured)


def test_stage_memory_ordering(pipes):
    """What the stages must show: stage 1 has no backbone optimizer state; gradient
    checkpointing lowers the live peak; bf16 compute halves the activation part."""
    from realiz3d.run_setup import build_model
    from realiz3d.config import load_config

    model = build_model(load_config(None, [f"model.path={pipes['pixart']}", "train.stage=stage2"]))
    s1 = estimate(model, "stage1", 4, 1, 32)
    s2 = estimate(model, "stage2", 1, 4, 32)
    s2_ck = estimate(model, "stage2", 1, 4, 32, gradient_checkpointing=True)
    s2_fp32 = estimate(model, "stage2", 1, 4, 32, compute_bytes=4)
    assert s1.optimizer_mb < 0.05 * s2.optimizer_mb
    assert s2_ck.live_peak_mb < s2.live_peak_mb < s2_fp32.live_peak_mb

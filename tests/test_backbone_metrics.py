"""FID / KID / CLIP score for real backbones: the math on known cases, the plumbing with
tiny stand-ins for the user's Inception and CLIP weights, and the errors when none are given."""
import json

import numpy as np
import pytest
import torch

from cli_helpers import cli, one_line_error
from realiz3d.evaluation.backbone_metrics import fid, kid


def test_fid_and_kid_on_known_distributions():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(4000, 8, generator=g)
    b = torch.randn(4000, 8, generator=g)
    shifted = b + torch.tensor([1.0, 0, 0, 0, 0, 0, 0, 0])
    assert fid(a, b) < 0.05  # same distribution
    assert abs(fid(a, shifted) - 1.0) < 0.1  # Gaussians with equal covariance: |mu1 - mu2|^2
    k_same, _ = kid(a, b, subsets=20, subset_size=500)
    k_diff, _ = kid(a, shifted, subsets=20, subset_size=500)
    assert abs(k_same) < 0.02 and k_diff > 10 * max(abs(k_same), 1e-3)


def test_score_prompts_with_tiny_metric_models(tmp_path, tiny_world):
    from realiz3d.evaluation.backbone_metrics import score_prompts
    from realiz3d.tiny_pipelines import build_tiny_metric_models, build_tiny_pipeline
    from realiz3d.pipeline import Realiz3DPipeline

    w = build_tiny_metric_models(tmp_path / "m")
    pipe = Realiz3DPipeline.from_pretrained(build_tiny_pipeline("pixart", tmp_path / "p"), device="cpu")
    res = score_prompts(pipe, ["a mug", "a chair"], tiny_world / "real", w["inception"], w["clip"], views=1, steps=2,
                        progress=False)
    assert res["images"] == 2 and np.isfinite(res["fid"]) and np.isfinite(res["kid"]) and 0 <= res["clip_score"] <= 100
    assert res["references"] > 0


def test_evaluate_cli_for_real_backbones(tmp_path, tiny_world):
    from realiz3d.tiny_pipelines import build_tiny_metric_models, build_tiny_pipeline

    w = build_tiny_metric_models(tmp_path / "m")
    pipe = build_tiny_pipeline("sd3", tmp_path / "p")
    (tmp_path / "prompts.txt").write_text("a mug\na wood chair\n")
    base = ["evaluate", "--checkpoint", pipe, "--task", "multiview", "--out", tmp_path / "ev", "--views", "1", "--steps", "2"]
    r = cli(*base, "--prompts", tmp_path / "prompts.txt", "--references", tiny_world / "real", "--inception", w["inception"],
            "--clip", w["clip"])
    assert r.returncode == 0, r.stderr
    scores = json.loads((tmp_path / "ev" / "scores.json").read_text())
    assert {"fid", "kid", "clip_score"} <= set(scores)
    one_line_error(cli(*base), "--prompts")  # a real backbone without prompts
    one_line_error(cli(*base, "--prompts", tmp_path / "prompts.txt", "--references", tiny_world / "real"), "--inception")
    one_line_error(cli(*base, "--prompts", tmp_path / "prompts.txt", "--clip", tmp_path / "nope"), "--clip")


def test_streaming_scores_equal_the_direct_formulas(tmp_path, tiny_world):
    """torchmetrics, fed in batches, gives the numbers of the direct formulas on the same
    images (KID with one subset = all images, so no random draw differs)."""
    from realiz3d.evaluation.backbone_metrics import ClipScorer, InceptionFeatures, StreamingScores, load_reference_images
    from realiz3d.tiny_pipelines import build_tiny_metric_models

    w = build_tiny_metric_models(tmp_path / "m")
    inc, clp = InceptionFeatures(w["inception"], device="cpu"), ClipScorer(w["clip"], device="cpu")
    refs = load_reference_images(tiny_world / "real", 32)[:24]
    gen = torch.rand(24, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    gen = ((gen + 1) * 127.5).round() / 127.5 - 1  # on the 8-bit grid, as images are
    texts = ["a mug", "a wood chair", "a grass lamp"] * 8
    s = StreamingScores(inc, clp, kid_subset_size=24, kid_subsets=3)
    for chunk in refs.split(10):
        s.update_references(chunk)
    for i in range(0, 24, 7):
        s.update(gen[i : i + 7], texts[i : i + 7])
    got = s.compute()
    fa, fb = inc(gen), inc(refs)
    assert got["fid"] == pytest.approx(fid(fa, fb), rel=1e-3, abs=1e-3)
    assert got["kid"] == pytest.approx(kid(fa, fb, subsets=1, subset_size=24)[0], rel=1e-3, abs=1e-5)
    assert got["clip_score"] == pytest.approx(clp(gen, texts), abs=1e-3)
    assert s.generated == 24 and s.references == 24


def test_streaming_scores_sync_across_two_processes(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from realiz3d.tiny_pipelines import build_tiny_metric_models

    here = Path(__file__).resolve().parent
    w = build_tiny_metric_models(tmp_path / "m")
    (tmp_path / "w.json").write_text(json.dumps({k: str(v) for k, v in w.items()}))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(here)}
    worker = str(here / "metrics_worker.py")
    subprocess.run([sys.executable, worker, tmp_path / "w.json", tmp_path / "one.json"], check=True, env=env, timeout=300)
    accelerate = Path(sys.executable).parent / "accelerate"
    proc = subprocess.run([str(accelerate), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
                           "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", "29534", worker,
                           tmp_path / "w.json", tmp_path / "two.json"], env=env, timeout=300, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    one, two = json.loads((tmp_path / "one.json").read_text()), json.loads((tmp_path / "two.json").read_text())
    for k in ("fid", "kid", "clip_score"):
        # KID of two samples of one distribution is ~0: a difference of O(1) kernel means, whose
        # float32 rounding depends on the order the processes gathered the features in (seen:
        # 8e-7 against -1.1e-5), hence the absolute tolerance of 1e-4 for it
        assert two[k] == pytest.approx(one[k], rel=1e-4, abs=1e-4 if k == "kid" else 1e-5), k

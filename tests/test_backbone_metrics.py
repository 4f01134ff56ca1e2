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

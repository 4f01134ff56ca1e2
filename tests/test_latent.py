"""Latent backbones against tiny PixArt-Sigma and SD3 pipelines written with save_pretrained:
training stages, resume, the cache, generate, texture, make-real, 2 processes."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from cli_helpers import cli, one_line_error

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def pipes(tmp_path_factory):
    from realiz3d.tiny_pipelines import build_tiny_pipeline

    root = tmp_path_factory.mktemp("pipes")
    return {f: build_tiny_pipeline(f, root / f) for f in ("pixart", "sd3")}


def _cfg(out, pipe, world, stage="stage2", steps=3, extra=()):
    from realiz3d.config import load_config

    return load_config(None, [f"out={out}", *([f"model.path={pipe}"] if pipe else []), f"data.world={world}", f"train.stage={stage}",
                              f"train.steps={steps}", "train.batch_size=4", "train.checkpoint_every=0", "train.log_every=1",
                              "model.control=texturing", "train.freeze_k=[1,2]", "train.reassign_p=0.5", *extra])


def _weights(path):
    return load_file(str(Path(path) / "transformer" / "diffusion_pytorch_model.safetensors"))


def test_pipeline_folders_load_offline_with_their_objective(pipes):
    from realiz3d.latent import LatentStack
    from realiz3d.objectives import EpsilonDiffusion, FlowMatching

    px = LatentStack.from_folder(pipes["pixart"], "cpu")
    sd = LatentStack.from_folder(pipes["sd3"], "cpu")
    assert isinstance(px.objective(), EpsilonDiffusion) and px.objective().prediction_type == "epsilon"
    assert type(px.objective().scheduler()).__name__ == "DPMSolverMultistepScheduler"
    assert isinstance(sd.objective(), FlowMatching) and sd.objective().shift == 3.0
    # captions through the pipeline's own encoders: T5 (masked) for PixArt, CLIP x2 + T5 (+ pooled) for SD3
    c = px.encode_text(["a red mug", "a wood chair on a table"])
    assert c.hidden_states.shape[:2] == (2, px.max_length) and c.mask is not None and c.pooled is None
    assert int(c.mask[0].sum()) < int(c.mask[1].sum())
    c = sd.encode_text(["a red mug"])
    assert c.pooled.shape == (1, 32) and c.hidden_states.shape == (1, 77 + sd.max_length, 32)
    # VAE: model space is (raw - shift) * scaling, decode inverts it
    x = torch.rand(2, 1, 3, 16, 16) * 2 - 1
    mean, std = sd.encode(x)
    assert mean.shape == (2, 1, 4, 8, 8) and (std > 0).all()
    raw = sd.vae.encode(x[:, 0]).latent_dist.mean
    torch.testing.assert_close(mean[:, 0], (raw - sd.shift) * sd.scaling)
    assert sd.decode(mean).shape == (2, 1, 3, 16, 16)


def test_model_from_pipeline_starts_as_its_transformer(pipes):
    """Shifters and the widened control input start as the identity on a pipeline's transformer."""
    from realiz3d.checkpoint import load_backbone
    from realiz3d.run_setup import build_model
    from realiz3d.config import load_config
    from tiny_backbones import direct

    cfg = load_config(None, [f"model.path={pipes['sd3']}", "train.stage=stage2", "model.control=texturing"])
    model = build_model(cfg).eval()
    raw = load_backbone(Path(pipes["sd3"]) / "transformer").eval()
    from realiz3d.models.families import TextCondition

    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 1, 4, 8, 8, generator=g)
    cond = TextCondition(torch.randn(2, 5, 32, generator=g), pooled=torch.randn(2, 32, generator=g))
    t = torch.tensor([100.0, 700.0])
    with torch.no_grad():
        ours = model(x, t, cond, control=torch.randn(2, 1, 6, 16, 16, generator=g) * 0, domain="synthetic")
        ref = direct("sd3", raw, x[:, 0], t, cond)
    torch.testing.assert_close(ours[:, 0], ref, rtol=1e-5, atol=1e-5)
    assert model.config.pred_channels == 4 and model.config.extra["pipeline"] == str(Path(pipes["sd3"]).resolve())


@pytest.mark.parametrize("family,control", [("pixart", "camera"), ("sd3", "texturing")])
def test_stage1_stage2_generate_texture(tmp_path, tiny_world, pipes, family, control):
    """Stage 1 then stage 2 from a pipeline folder, then `generate` (camera control) or
    `texture` (normal + position control) from the command line."""
    from realiz3d.train import train

    s1 = train(_cfg(tmp_path / "s1", pipes[family], tiny_world, "stage1"), progress=False)
    assert s1["step"] == 3
    # stage 1 exports the shifters and a reference to the pipeline's transformer, whose weights
    # it left as they were (the hash it records is that of the untouched base transformer)
    from realiz3d.checkpoint import backbone_hash, load_backbone

    s1_final = tmp_path / "s1" / "final"
    ref = json.loads((s1_final / "base_model.json").read_text())
    assert not (s1_final / "transformer").exists()
    assert Path(ref["transformer"]) == (Path(pipes[family]) / "transformer").resolve()
    assert ref["sha256"] == backbone_hash(load_backbone(Path(pipes[family]) / "transformer")), "stage 1 must leave the backbone frozen"
    w_base = _weights(Path(pipes[family]))
    train(_cfg(tmp_path / "s2", pipes[family], tiny_world, extra=[f"model.init={tmp_path / 's1' / 'final'}",
                                                                    f"model.control={control}"]), progress=False)
    final = tmp_path / "s2" / "final"
    conf = json.loads((final / "realiz3d_config.json").read_text())
    assert conf["extra"]["pipeline"] == str(Path(pipes[family]).resolve()) and conf["extra"]["resolution"] == 16
    assert not all(torch.equal(w_base[k], v) for k, v in _weights(final).items() if k in w_base)

    if control == "camera":
        r = cli(*["generate", "a wood chair", "--checkpoint", str(final), "--out", str(tmp_path / "gen"), "--views", "2",
                 "--steps", "2"])
        assert r.returncode == 0, r.stderr
        from PIL import Image

        assert Image.open(tmp_path / "gen" / "grid.png").size == (32, 16)  # 2 views of 16 px, decoded by the VAE
        return
    import trimesh

    trimesh.creation.icosphere(subdivisions=2).export(tmp_path / "sphere.ply")
    r = cli(*["texture", str(tmp_path / "sphere.ply"), "--prompt", "a marble ball", "--checkpoint", str(final),
             "--out", str(tmp_path / "tex" / "out.glb"), "--steps", "2", "--texture-size", "64"])
    assert r.returncode == 0, r.stderr
    scene = trimesh.load(tmp_path / "tex" / "out.glb")
    geom = next(iter(scene.geometry.values())) if hasattr(scene, "geometry") else scene
    assert geom.visual.uv is not None and geom.visual.material.baseColorTexture is not None


def test_checkpoint_names_a_moved_pipeline(tmp_path, tiny_world, pipes):
    from realiz3d.pipeline import Realiz3DPipeline
    from realiz3d.train import train

    train(_cfg(tmp_path / "s2", pipes["pixart"], tiny_world, steps=1, extra=["model.control=camera"]), progress=False)
    conf_file = tmp_path / "s2" / "final" / "realiz3d_config.json"
    conf = json.loads(conf_file.read_text())
    conf["extra"]["pipeline"] = str(tmp_path / "moved")
    conf_file.write_text(json.dumps(conf))
    r = cli(*["generate", "a mug", "--checkpoint", str(tmp_path / "s2" / "final"), "--out", str(tmp_path / "g")])
    one_line_error(r, "--pipeline")
    pipe = Realiz3DPipeline.from_pretrained(tmp_path / "s2" / "final", pipeline=pipes["pixart"], device="cpu")
    assert pipe("a mug", num_views=1, num_inference_steps=1).views.shape == (1, 1, 3, 16, 16)


def test_resume_latent_run_is_exact(tmp_path, tiny_world, pipes):
    from realiz3d.train import train

    extra = ["train.checkpoint_every=2"]
    train(_cfg(tmp_path / "full", pipes["sd3"], tiny_world, steps=4, extra=extra), progress=False)
    train(_cfg(tmp_path / "cut", pipes["sd3"], tiny_world, steps=4, extra=extra), progress=False, stop_after=2)
    train(_cfg(tmp_path / "cut", pipes["sd3"], tiny_world, steps=4, extra=extra), resume="latest", progress=False)
    a, b = _weights(tmp_path / "full" / "final"), _weights(tmp_path / "cut" / "final")
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_cache_matches_the_uncached_path(tmp_path, tiny_world, pipes):
    """The cached batch equals the uncached one once encoded (up to float16 storage), and a
    cached run never calls the text encoder or the VAE."""
    from realiz3d.cache import TextCache
    from realiz3d.latent import LatentStack
    from realiz3d.run_setup import build_model, setup_latent

    r = cli(*["cache", "--pipeline", str(pipes["pixart"]), "--world", str(tiny_world), "--out", str(tmp_path / "c")])
    assert r.returncode == 0, r.stderr
    stack = LatentStack.from_folder(pipes["pixart"], "cpu")
    cfg = _cfg(tmp_path / "x", pipes["pixart"], tiny_world)
    model = build_model(cfg)
    plain = setup_latent(cfg, model, "cpu", False)
    cfg_c = _cfg(tmp_path / "x", pipes["pixart"], tiny_world, extra=[f"data.cache={tmp_path / 'c'}"])
    cached = setup_latent(cfg_c, model, "cpu", False)
    assert cached.codec is None, "with a complete cache the VAE is not loaded"
    b0, b1 = plain.data.batch(5, model.num_blocks), cached.data.batch(5, model.num_blocks)
    assert not b0.encoded and b1.encoded
    mean, std = stack.encode(b0.x0)
    torch.testing.assert_close(b1.x0, mean + std * b0.vae_eps, rtol=0, atol=2e-2)
    torch.testing.assert_close(b1.noise, b0.noise)
    # text: the cache restores PixArt's padding; the model sees the same context
    caps = ["a speckled mushroom", ""]
    t_cache = TextCache(tmp_path / "c" / "text.safetensors").lookup([c for c in caps if c in cached.text.cache.index])
    t_live = stack.encode_text(caps)
    n = t_cache.hidden_states.shape[1]
    keep = t_live.mask[:, :n, None].float()
    torch.testing.assert_close(t_cache.hidden_states * keep, t_live.hidden_states[:, :n] * keep, rtol=0, atol=2e-3)
    assert torch.equal(t_cache.mask, t_live.mask[:, :n]) and int(t_live.mask[:, n:].sum()) == 0
    x = torch.randn(2, 1, 4, 8, 8)
    with torch.no_grad():  # padding is masked out of cross-attention: same prediction
        p_cache = model(x, torch.tensor([10.0, 500.0]), t_cache)
        p_live = model(x, torch.tensor([10.0, 500.0]), t_live)
    torch.testing.assert_close(p_cache, p_live, rtol=0, atol=1e-2)
    cached.text.encode(b1.captions)
    assert cached.text.calls == 0


def test_cache_errors(tmp_path, tiny_world, pipes):
    from realiz3d.cache import write_cache
    from realiz3d.config import ConfigError
    from realiz3d.data import load_real, load_synthetic
    from realiz3d.latent import LatentStack
    from realiz3d.run_setup import build_model, setup_latent

    sets = {"synthetic": load_synthetic(tiny_world / "synthetic"), "real": load_real(tiny_world / "real", 16)}
    write_cache(tmp_path / "c", LatentStack.from_folder(pipes["sd3"], "cpu"), sets, progress=False)
    sets["real"] = None
    write_cache(tmp_path / "c_syn", LatentStack.from_folder(pipes["sd3"], "cpu"), sets, progress=False)
    for overrides, needle in [
        ([f"model.path={pipes['pixart']}", f"data.cache={tmp_path / 'c'}"], "built with the pipeline"),
        ([f"model.path={pipes['sd3']}", f"data.cache={tmp_path / 'none'}"], "realiz3d cache"),
        ([f"model.path={pipes['sd3']}", f"data.cache={tmp_path / 'c_syn'}"], "real set does not match"),
        (["model.init=scratch", "model.preset=tiny", f"data.cache={tmp_path / 'c'}"], "latent backbones"),
        ([f"model.path={tmp_path}"], "model_index.json"),
    ]:
        cfg = _cfg(tmp_path / "run", None, tiny_world, extra=overrides)
        with pytest.raises(ConfigError, match=needle):
            setup_latent(cfg, build_model(cfg), "cpu", False)
    # and at the command line: one line, no traceback
    r = cli("train", "--config", HERE / "empty.yaml", f"model.path={pipes['pixart']}", f"data.cache={tmp_path / 'c'}",
            f"data.world={tiny_world}", f"out={tmp_path / 'run'}")
    one_line_error(r, "pipeline")
    r = cli("cache", "--pipeline", tmp_path, "--world", tiny_world, "--out", tmp_path / "c2")
    one_line_error(r, "model_index.json")


def test_make_real_from_a_pipeline_folder(tmp_path, tiny_world, pipes):
    out = tmp_path / "real"
    args = ["make-real", "--captions", str(tiny_world / "synthetic"), "--base", str(pipes["sd3"]), "--out", str(out),
            "--steps", "2"]
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in (out / "metadata.jsonl").read_text().splitlines()]
    syn = [json.loads(line)["caption"] for line in (tiny_world / "synthetic" / "metadata.jsonl").read_text().splitlines()]
    assert [r_["text"] for r_ in rows] == syn and all(r_["prompt"].endswith("white background") for r_ in rows)
    from realiz3d.data import load_real

    assert len(load_real(out, 16)) == len(syn)  # the written set loads as a real image set
    from realiz3d.make_real import make_real, read_captions
    from realiz3d.pipeline import Realiz3DPipeline

    again = make_real(Realiz3DPipeline.from_pretrained(pipes["sd3"], device="cpu"), read_captions(tiny_world / "synthetic"),
                      out, steps=2, progress=False)
    assert again["generated"] == 0 and again["kept"] == len(syn)  # a second run keeps what is there
    r = cli(*["make-real", "--captions", str(tmp_path / "none.txt"), "--out", str(out)])
    one_line_error(r, "--captions")


def test_two_processes_latent(tmp_path, tiny_world, pipes):
    """The latent path (with a cache) under `accelerate launch` with 2 CPU processes equals 1 process."""
    assert cli(*["cache", "--pipeline", str(pipes["sd3"]), "--world", str(tiny_world), "--out", str(tmp_path / "c")]).returncode == 0
    env = {**os.environ, "OMP_NUM_THREADS": "1", "REALIZ3D_NO_PROGRESS": "1", "PYTHONPATH": str(HERE)}

    def args(out):
        return [f"out={out}", f"model.path={pipes['sd3']}", f"data.world={tiny_world}", f"data.cache={tmp_path / 'c'}",
                "train.stage=stage2", "model.control=texturing", "train.steps=2", "train.batch_size=4",
                "train.checkpoint_every=0", "train.log_every=1", "train.freeze_k=[1,2]", "train.reassign_p=0.5"]

    subprocess.run([sys.executable, str(HERE / "ddp_worker.py"), *args(tmp_path / "one")], check=True, env=env, timeout=300)
    accelerate = Path(sys.executable).parent / "accelerate"
    proc = subprocess.run([str(accelerate), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
                           "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", "29534",
                           str(HERE / "ddp_worker.py"), *args(tmp_path / "two")],
                          env=env, timeout=300, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r0, r1 = load_file(str(tmp_path / "two" / "rank-0.safetensors")), load_file(str(tmp_path / "two" / "rank-1.safetensors"))
    single = load_file(str(tmp_path / "one" / "rank-0.safetensors"))
    for k in single:
        assert torch.equal(r0[k], r1[k])
        torch.testing.assert_close(r0[k], single[k], rtol=1e-4, atol=1e-5)


PIPELINE_CONFIGS = sorted(p for d in ("pixart_sigma", "sd3") for p in (HERE.parent / "realiz3d" / "configs" / d).glob("*.yaml")
                          if p.name != "common.yaml")


@pytest.mark.parametrize("path", PIPELINE_CONFIGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_pipeline_configs_run_on_tiny_pipelines(tmp_path, tiny_world, pipes, path):
    from realiz3d.config import ConfigError
    from realiz3d.run_setup import build_model
    from realiz3d.config import load_config
    from realiz3d.train import train

    family = "pixart" if path.parent.name == "pixart_sigma" else "sd3"
    with pytest.raises(ConfigError, match="model.path"):
        build_model(load_config(path, ["model.init=base"]))
    cfg = load_config(path, [f"out={tmp_path / 'run'}", "model.init=base", f"model.path={pipes[family]}",
                             f"data.world={tiny_world}", "train.steps=1", "train.batch_size=2", "train.checkpoint_every=0",
                             "data.workers=0", "model.text_max_length=16"])
    assert train(cfg, progress=False)["step"] == 1


def test_building_a_tiny_pipeline_leaves_diffusers_progress_bars_as_they_were(tmp_path):
    """Library code must not change process-wide logging state (only the CLI may)."""
    from diffusers.utils import logging as dlog

    from realiz3d.tiny_pipelines import build_tiny_pipeline

    for enabled in (True, False):
        dlog.enable_progress_bar() if enabled else dlog.disable_progress_bar()
        build_tiny_pipeline("pixart", tmp_path / f"p{enabled}")
        assert dlog.is_progress_bar_enabled() is enabled
    dlog.enable_progress_bar()

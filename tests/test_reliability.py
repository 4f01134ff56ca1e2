"""Training survives kills and bad numbers; property-based tests of loaders and parsers."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import trimesh
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.torch import load_file

import realiz3d.train as T
from realiz3d.config import ConfigError, apply_overrides, from_dict
from realiz3d.render import MeshError, check_mesh
from realiz3d.config import load_config, RunConfig
from realiz3d.checkpoint import latest_checkpoint
from realiz3d.train import train

HERE = Path(__file__).resolve().parent


def _overrides(out, world, steps=12, every=3):
    return [f"out={out}", "model.init=scratch", "model.preset=tiny", f"data.world={world}", "train.stage=mixed",
            "model.control=camera", f"train.steps={steps}", "train.batch_size=4", f"train.checkpoint_every={every}",
            "train.keep_checkpoints=10", "train.log_every=1"]


def _weights(out):
    return load_file(str(Path(out) / "final" / "transformer" / "diffusion_pytorch_model.safetensors"))


def test_sigkill_then_resume_equals_uninterrupted_run(tmp_path, tiny_world):
    ref = tmp_path / "ref"
    # the child below trains on one thread: so does the reference (on some CPUs one and two
    # threads sum in different orders, and the weights then differ in the last bits)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train(load_config(None, _overrides(ref, tiny_world)), progress=False)
    finally:
        torch.set_num_threads(threads)
    run = tmp_path / "killed"
    env = {**os.environ, "REALIZ3D_NO_PROGRESS": "1", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "realiz3d.cli", "train", "--config", str(HERE / "empty.yaml"), *_overrides(run, tiny_world)]
    # a slow consumer: the child runs at full speed, so kill as soon as the second checkpoint lands
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 240
    while time.time() < deadline and not (run / "checkpoints" / "step-000006").exists():
        if proc.poll() is not None:
            pytest.fail(f"training ended before the kill: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (run / "final").exists(), "the run finished before it could be killed"
    latest = latest_checkpoint(run)
    assert latest is not None and int(latest.name.split("-")[1]) >= 6
    r = subprocess.run(cmd + ["--resume", "latest"], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    a, b = _weights(ref), _weights(run)
    assert all(torch.equal(a[k], b[k]) for k in a), "resumed run differs from the uninterrupted one"
    # the metrics log shows how many steps were redone (at most checkpoint_every - 1 lost)
    steps = [int(l.split('"step": ')[1].split(",")[0]) for l in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps[-1] == 12


def test_half_written_checkpoints_are_never_taken_as_latest(tmp_path, tiny_world):
    out = tmp_path / "run"
    train(load_config(None, _overrides(out, tiny_world, steps=4, every=2)), progress=False)
    ck = out / "checkpoints"
    (ck / ".tmp-step-000008").mkdir()  # a kill during a write leaves this
    (ck / ".tmp-step-000008" / "model.safetensors").write_bytes(b"partial")
    (ck / "step-000010").mkdir()  # a folder without its final state.json
    assert latest_checkpoint(out).name == "step-000004"


def test_nonfinite_steps_are_skipped_and_counted(tmp_path, tiny_world, monkeypatch):
    real_loss = T.batch_loss
    calls = {"n": 0}

    def flaky(*a, **k):
        calls["n"] += 1
        loss = real_loss(*a, **k)
        return loss * float("nan") if calls["n"] in (2, 3) else loss

    monkeypatch.setattr(T, "batch_loss", flaky)
    out = tmp_path / "nan"
    summary = train(load_config(None, _overrides(out, tiny_world, steps=6, every=2)), progress=False)
    assert summary["nonfinite_skipped"] == 2 and summary["step"] == 6
    for ck in (out / "checkpoints").iterdir():
        for k, v in load_file(str(ck / "model.safetensors")).items():
            assert torch.isfinite(v).all(), (ck, k)
    assert all(torch.isfinite(v).all() for v in _weights(out).values())


def test_too_many_nonfinite_steps_stop_the_run(tmp_path, tiny_world, monkeypatch):
    real_loss = T.batch_loss
    monkeypatch.setattr(T, "batch_loss", lambda *a, **k: real_loss(*a, **k) * float("inf"))
    cfg = load_config(None, _overrides(tmp_path / "inf", tiny_world, steps=10, every=2) + ["train.max_nonfinite=3"])
    with pytest.raises(T.TrainingError, match="3 non-finite steps in a row"):
        train(cfg, progress=False)


# -- property-based ----------------------------------------------------------------------
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    nv=st.integers(0, 12),
    nf=st.integers(0, 12),
    data=st.data(),
)
def test_mesh_checker_accepts_good_and_names_bad(nv, nf, data):
    verts = np.array(data.draw(st.lists(st.tuples(*[st.floats(allow_nan=True, allow_infinity=True, width=32)] * 3),
                                        min_size=nv, max_size=nv)), dtype=np.float64).reshape(-1, 3)
    faces = np.array(data.draw(st.lists(st.tuples(*[st.integers(-2, 14)] * 3), min_size=nf, max_size=nf)),
                     dtype=np.int64).reshape(-1, 3)
    mesh = trimesh.Trimesh.__new__(trimesh.Trimesh)
    trimesh.Trimesh.__init__(mesh, vertices=verts, faces=faces if len(faces) and len(verts) and faces.min() >= 0 and faces.max() < len(verts) else None, process=False, validate=False)
    if faces.size and not (len(verts) and faces.min() >= 0 and faces.max() < len(verts)):
        mesh._data["faces"] = faces  # keep out-of-range indices so the checker sees them
    try:
        checked = check_mesh(mesh, "m.obj")
    except MeshError as e:
        assert str(e).startswith("m.obj: ")
        return
    # accepted: finite, faces in range, some face with area
    v, f = np.asarray(checked.vertices), np.asarray(checked.faces)
    assert np.isfinite(v).all() and len(f) and f.min() >= 0 and f.max() < len(v)


KEYS = st.sampled_from(["train.steps", "train.lr", "train.reassign_p", "train.freeze_k", "model.rank", "model.control",
                        "train.stage", "train.bogus", "data.limit", "out", "model"])
VALUES = st.one_of(st.integers(-5, 5000), st.floats(-2, 2, allow_nan=False), st.text(max_size=8),
                   st.lists(st.integers(-2, 8), max_size=3), st.booleans(), st.none())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(KEYS, VALUES), max_size=4))
def test_config_parser_either_validates_or_names_the_key(pairs):
    data = {}
    try:
        for key, value in pairs:
            data = apply_overrides(data, [f"{key}={value!r}" if isinstance(value, str) else f"{key}={value}"])
        cfg = from_dict(RunConfig, data)
    except (ConfigError, ValueError) as e:
        msg = str(e)
        assert any(k.split(".")[-1] in msg or k.split(".")[0] in msg for k, _ in pairs), msg
        return
    t = cfg.train
    assert t.steps >= 1 and 0 <= t.reassign_p <= 1 and t.freeze_k[0] <= t.freeze_k[1]


def test_a_caption_embedding_does_not_depend_on_the_captions_beside_it():
    """The text cache encodes whatever captions it lacks together; a caption's embedding must not
    depend on how many came with it (BLAS sums in another order for another batch size on some
    CPUs), or a resumed run, whose cache starts empty, drifts from an uninterrupted one."""
    from realiz3d.models.text import MiniLMTextEncoder

    caps = [f"a {m} mug" for m in ("brick", "wood", "glass", "metal", "red", "blue", "green", "white", "gold")]
    alone = {c: MiniLMTextEncoder().encode([c]).hidden_states[0] for c in caps}
    for n in (3, 5, 9):  # batch sizes whose embeddings differed by 1e-5 from one caption's on an MKL CPU
        enc = MiniLMTextEncoder().encode(caps[:n])
        assert all(torch.equal(enc.hidden_states[i], alone[c]) for i, c in enumerate(caps[:n]))
    many = [f"a {m} {k}" for m in ("brick", "wood") for k in ("mug", "vase", "lamp", "tree", "bowl", "chair", "donut",
                                                              "house", "table", "bottle")] + caps
    enc = MiniLMTextEncoder().encode(many)  # more than one chunk
    assert all(torch.equal(enc.hidden_states[len(many) - len(caps) + i], alone[c]) for i, c in enumerate(caps))

"""The command line: subcommands exist, bad input gives one line and a non-zero exit."""
import json
from pathlib import Path

import pytest
import trimesh

from cli_helpers import cli, one_line_error
from realiz3d.data import load_synthetic

STAGE1 = Path(__file__).resolve().parent.parent / "configs" / "world" / "stage1.yaml"


def test_help_lists_the_subcommands():
    r = cli("--help", process=True)  # the entry point itself, in a fresh interpreter
    assert r.returncode == 0
    for cmd in ("world", "render", "train", "generate", "bench"):
        assert cmd in r.stdout




def test_render_folder_skips_and_lists_bad_files(tmp_path):
    meshes = tmp_path / "meshes"
    meshes.mkdir()
    box = trimesh.creation.box(extents=[2, 1, 1])
    box.visual.face_colors = [200, 30, 30, 255]
    box.apply_translation([100, 50, -20])  # off-centre, large coordinates
    box.export(meshes / "red_box.ply")
    trimesh.creation.icosphere().export(meshes / "ball.obj")
    (meshes / "broken.glb").write_bytes(b"glTF\x02\x00\x00\x00garbage")
    (meshes / "empty.stl").write_bytes(b"")
    caps = tmp_path / "caps.json"
    caps.write_text(json.dumps({"ball.obj": "a plain ball"}))
    out = tmp_path / "out"
    r = cli("render", meshes, "--out", out, "--views", 2, "--resolution", 16, "--captions", caps, "--workers", 2,
            process=True)  # worker processes: not forked from the test process
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1]) == {"rendered": 2, "skipped": 2}
    assert "broken.glb" in r.stderr and "empty.stl" in r.stderr
    ds = load_synthetic(out)
    assert sorted(ds.captions) == ["a plain ball", "a red box"]
    # the red box keeps its face colours in the synthetic render
    i = ds.captions.index("a red box")
    rgb = ds.rgb[i].float() / 255
    on = ds.mask[i, :, 0] > 250
    red = rgb.permute(0, 2, 3, 1)[on]
    assert ((red[:, 0] > 2.5 * red[:, 1]) & (red[:, 0] > 2.5 * red[:, 2]) & (red[:, 0] > 0.2)).float().mean() > 0.9
    skipped = [json.loads(l) for l in (out / "skipped.jsonl").read_text().splitlines()]
    assert {s["file"].split("/")[-1] for s in skipped} == {"broken.glb", "empty.stl"}


def test_render_errors(tmp_path):
    # through the real entry point once: a one-line error and exit status 2 from a fresh interpreter
    r = cli("render", tmp_path / "nope", "--out", tmp_path / "o", process=True)
    one_line_error(r, "nope")
    assert r.returncode == 2
    (tmp_path / "d").mkdir()
    one_line_error(cli("render", tmp_path / "d", "--out", tmp_path / "o"), "no mesh files")


def test_world_cli_and_train_dry_run(tmp_path):
    r = cli("world", "--out", tmp_path / "w", "--preset", "tiny", "--workers", 1)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1])["heldout"] == 4
    r = cli("train", "--config", STAGE1, "train.steps=7", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "steps: 7" in r.stdout and "stage: stage1" in r.stdout
    one_line_error(cli("train", "--config", STAGE1, "train.reassign_p=2", "--dry-run"), "train.reassign_p")
    one_line_error(cli("train", "--config", tmp_path / "missing.yaml"), "missing.yaml")
    one_line_error(cli("train", "--config", STAGE1, "train.bogus=1", "--dry-run"), "train.bogus")
    one_line_error(cli("world", "--out", tmp_path / "w2", "--preset", "huge"), "huge")


def test_cli_one_line_for_input_errors_traceback_for_bugs(monkeypatch, capsys):
    import realiz3d.cli as cli_mod
    from realiz3d.errors import InputError

    def boom(exc):
        def f(*a, **k):
            raise exc
        return f

    monkeypatch.setattr("realiz3d.world.build.build_world", boom(InputError("world.views=0: expected >= 1")))
    with pytest.raises(SystemExit) as e:
        cli_mod.main(["world", "--out", "unused_dir"])
    assert e.value.code == 2
    assert capsys.readouterr().err.strip() == "error: world.views=0: expected >= 1"
    # a bug (not an input error) is not dressed up as one: it propagates with its traceback
    monkeypatch.setattr("realiz3d.world.build.build_world", boom(KeyError("views")))
    with pytest.raises(KeyError):
        cli_mod.main(["world", "--out", "unused_dir"])


def test_schedule_options_reach_evaluate_and_texture(monkeypatch, tmp_path):
    """--shift-blocks/--shift-fraction set the shifted schedule that `evaluate` scores and
    `texture` samples with (e.g. the L and s `realiz3d tune-schedule` chose); unset, the pipeline's
    default; with another schedule they are refused in one line."""
    from realiz3d.sampling import DomainSchedule

    seen = []

    def record(*a, **k):
        seen.append(a[3] if len(a) > 3 else k["schedule"])
        raise SystemExit(0)  # scoring itself is tested elsewhere

    monkeypatch.setattr("realiz3d.experiments.evaluate_checkpoint", record)
    ev = ["evaluate", "--checkpoint", tmp_path, "--task", "texturing", "--out", tmp_path / "e"]
    assert cli(*ev, "--shift-blocks", 6, "--shift-fraction", 0.25).returncode == 0
    assert cli(*ev).returncode == 0
    assert seen == [DomainSchedule("shifted", 6, 0.25), DomainSchedule("shifted")]
    one_line_error(cli(*ev, "--schedule", "real", "--shift-blocks", 3), "--shift-blocks", "shifted")
    one_line_error(cli(*ev, "--shift-fraction", 1.5), "fraction", "[0, 1]")

    def record_texture(uvm, prompt, out, pipe, opts, **k):
        seen.append(k["schedule"])
        raise SystemExit(0)

    monkeypatch.setattr("realiz3d.texture.run_texture", record_texture)
    monkeypatch.setattr("realiz3d.pipeline.Realiz3DPipeline.from_pretrained", lambda *a, **k: None)
    mesh = tmp_path / "ball.ply"
    trimesh.creation.icosphere().export(mesh)
    r = cli("texture", mesh, "--prompt", "a ball", "--out", tmp_path / "b.glb", "--shift-blocks", 4, "--shift-fraction", 0.5)
    assert r.returncode == 0, r.stderr
    assert seen[-1] == DomainSchedule("shifted", 4, 0.5)
    one_line_error(cli("texture", mesh, "--prompt", "a ball", "--out", tmp_path / "b.glb", "--schedule", "synthetic",
                       "--shift-fraction", 0.5), "--shift-fraction", "shifted")

"""Rows of docs/bad_inputs.md not covered elsewhere: huge images, damaged and wrong checkpoints."""
import shutil

import pytest
from PIL import Image

from realiz3d.data import DataError, load_image
from realiz3d.models import Realiz3DTransformer
from cli_helpers import cli, one_line_error






def test_huge_image_is_refused_before_decoding(tmp_path):
    p = tmp_path / "huge.png"
    Image.new("L", (8000, 8000)).save(p)  # 64 megapixels, tiny file
    with pytest.raises(DataError, match="larger than"):
        load_image(p, 32)


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    from tiny_backbones import save_tiny_checkpoint

    return save_tiny_checkpoint(tmp_path_factory.mktemp("c") / "camera", "camera")


def test_truncated_backbone_weights(tmp_path, ckpt):
    bad = tmp_path / "bad"
    shutil.copytree(ckpt, bad)
    w = bad / "transformer" / "diffusion_pytorch_model.safetensors"
    w.write_bytes(w.read_bytes()[: w.stat().st_size // 2])
    one_line_error(cli("generate", "a mug", "--out", tmp_path / "o", "--checkpoint", bad, "--steps", 1))
    assert not (tmp_path / "o" / "grid.png").exists()


def test_truncated_shifters(tmp_path, ckpt):
    bad = tmp_path / "bad"
    shutil.copytree(ckpt, bad)
    w = bad / "domain_shifters.safetensors"
    w.write_bytes(w.read_bytes()[:64])
    one_line_error(cli("generate", "a mug", "--out", tmp_path / "o", "--checkpoint", bad, "--steps", 1), "safetensors")


def test_wrong_model_for_the_job(tmp_path, ckpt):
    import trimesh

    mesh = tmp_path / "ball.ply"
    trimesh.creation.icosphere().export(mesh)
    # a camera-control (text-to-multiview) checkpoint cannot texture a mesh
    one_line_error(cli("texture", mesh, "--prompt", "a ball", "--out", tmp_path / "b.glb", "--checkpoint", ckpt,
                       "--steps", 1), "texturing")
    for bad in ("3", "17"):  # fewer than the fixed six views, more than 16
        one_line_error(cli("texture", mesh, "--prompt", "a ball", "--out", tmp_path / "b.glb", "--max-views", bad),
                       "--max-views", "6", "16")
    # a folder that is not a checkpoint
    (tmp_path / "nothing").mkdir()
    one_line_error(cli("generate", "a mug", "--out", tmp_path / "o", "--checkpoint", tmp_path / "nothing"),
                   "not a realiz3d checkpoint")
    one_line_error(cli("generate", "a mug", "--out", tmp_path / "o", "--dtype", "int8"), "--dtype", "bfloat16")
    one_line_error(cli("generate", "a mug", "--out", tmp_path / "o", "--control-guidance", "-1"), "--control-guidance", "0")
    one_line_error(cli("evaluate", "--checkpoint", tmp_path / "nothing", "--task", "texturing", "--out", tmp_path / "e",
                       "--textured-meshes", "-2"), "--textured-meshes")
    one_line_error(cli("evaluate", "--checkpoint", tmp_path / "nothing", "--task", "multiview", "--out", tmp_path / "e",
                       "--control-guidance", "-1"), "--control-guidance", "0")


def test_shifters_onto_a_mismatched_backbone(tmp_path, ckpt):
    from realiz3d.models import DomainShifters, ShifterConfig

    with pytest.raises(ValueError, match="num_blocks=2, the backbone has 6"):
        DomainShifters.load(ckpt / "domain_shifters.safetensors", expect=ShifterConfig(num_blocks=6, hidden_size=32))
    # a realiz3d checkpoint whose config does not match its backbone's input channels
    other = tmp_path / "other"
    shutil.copytree(ckpt, other)
    import json

    cfg = json.loads((other / "realiz3d_config.json").read_text())
    cfg["control"] = "none"
    (other / "realiz3d_config.json").write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match="input channels"):
        Realiz3DTransformer.from_pretrained(other)


def test_missing_or_malformed_arguments_get_the_usage_error_not_a_traceback(tmp_path):
    """Typer (>= 0.24) raises the errors of its own bundled click, which the command line once
    did not recognise: a missing option ended in a traceback."""
    for args, words in ((["texture", tmp_path / "m.obj"], ["Missing option", "--prompt"]),
                        (["generate", "a mug", "--out", tmp_path / "g", "--views", "x"], ["--views"]),
                        (["no-such-command"], ["No such command"])):
        r = cli(*args)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert "Traceback" not in r.stderr, r.stderr
        assert all(w in r.stderr for w in words), r.stderr


def test_tune_schedule_options_are_checked_before_any_work(tmp_path):
    for args, words in ((["--blocks", "2,x"], ["--blocks '2,x'", "block counts"]),
                        (["--fractions", "0.5,2"], ["--fractions '0.5,2'", "s in [0, 1]"]),
                        (["--blocks", ","], ["--blocks ','", "at least one"]),
                        (["--realism-keep", "1.5"], ["--realism-keep 1.5", "(0, 1]"])):
        r = cli("tune-schedule", "--checkpoint", tmp_path / "none", "--task", "texturing", "--out", tmp_path / "t.json", *args)
        one_line_error(r, *words)
    assert not (tmp_path / "t.json").exists()


def test_reproduce_options_are_checked_before_any_work(tmp_path):
    for args, words in ((["--shifter-form", "lora"], ["shifter_form='lora'", "bias, token, caption"]),
                        (["--stage1-lr", "-1"], ["stage1_lr=-1.0"]),
                        (["--first-seed", "-2"], ["first_seed=-2"]),
                        (["--real-fraction", "1"], ["real_fraction=1.0", "between 0 and 1"]),
                        (["--real-loss-weight", "-0.5"], ["real_loss_weight=-0.5", "weight >= 0"]),
                        (["--freeze-k", "3"], ["--freeze-k '3'", "LO,HI"]),
                        (["--freeze-k", "4,2"], ["freeze_k=(4, 2)", "lo <= hi"]),
                        (["--methods", "naive,magic"], ["--methods", "magic"]),
                        (["--tune-schedule", "--tune-realism-keep", "0"], ["tune_realism_keep=0.0", "(0, 1]"]),
                        (["--tune-realism-keep", "0.9"], ["--tune-realism-keep", "--tune-schedule"]),
                        (["--base", tmp_path], ["base=", "not a realiz3d checkpoint folder"])):
        r = cli("reproduce", "--out", tmp_path / "out", "--world", tmp_path / "no_world", *args)
        one_line_error(r, *words)
    assert not (tmp_path / "no_world").exists() and not (tmp_path / "out").exists()

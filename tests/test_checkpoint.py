"""realiz3d.checkpoint: one typed record of what a checkpoint was trained with, read the same way by
every command, for checkpoints written before the record had a schema too."""
import json

import pytest

from realiz3d.checkpoint import SCHEMA_VERSION, TrainedWith, is_latent_checkpoint, record_training, trained_with
from realiz3d.models import ModelConfig, Realiz3DTransformer
from realiz3d.models.builtin import (BASE_LONG_MODEL_DIR, BASE_MODEL_DIR, MULTIVIEW_MODEL_DIR, TEXTURING_MODEL_DIR,
                                     named_base)


def test_shipped_checkpoints_load_with_the_facts_they_recorded():
    """The shipped checkpoints read with the facts they recorded (version 1; version-0 files are the
    next test's), and the pipeline uses the facts of each. The base model (since 2026-12-04) was
    pretrained with half of its captions naming the view, so it names views when sampled; so was
    the three-run base kept beside it (base_long)."""
    from realiz3d.pipeline import Realiz3DPipeline

    base = trained_with(Realiz3DTransformer.from_pretrained(BASE_MODEL_DIR).config)
    assert (base.version, base.views, base.stage, base.objective, base.resolution) == (1, 1, "pretrain", "flow", 32)
    assert base.view_words and base.camera_setup["distance"] == 2.6
    long = trained_with(Realiz3DTransformer.from_pretrained(BASE_LONG_MODEL_DIR).config)
    assert (long.stage, long.view_words, long.camera_setup) == ("pretrain", True, base.camera_setup)
    mv = Realiz3DPipeline.from_pretrained(MULTIVIEW_MODEL_DIR)
    facts = trained_with(mv.model.config)
    assert (facts.version, facts.views, facts.flow_shift, facts.camera_setup["distance"]) == (1, 4, 3.0, 2.6)
    assert mv.model.config.shifter_form == "token"  # token-form shifters since 2026-12-02 (README)
    assert mv.trained_views == 4 and mv.camera_setup.distance == 2.6 and mv.objective.shift == 3.0
    tex_model = Realiz3DTransformer.from_pretrained(TEXTURING_MODEL_DIR)
    tex = trained_with(tex_model.config)
    assert (tex.version, tex.views, tex.camera_setup["distance"]) == (1, 4, 2.6)  # world v2's model (2026-11-30)
    assert tex_model.config.shifter_form == "token"  # token-form shifters since 2026-12-02 (README)
    assert not any(map(is_latent_checkpoint, (BASE_MODEL_DIR, BASE_LONG_MODEL_DIR, MULTIVIEW_MODEL_DIR,
                                              TEXTURING_MODEL_DIR)))


def test_the_shipped_bases_by_name_and_in_adapter_references(tmp_path):
    """Two bases ship: "base" (the one-run recipe, the default since 2026-12-05) and "base_long"
    (the three-run base the committed results start from). A name or a folder picks one wherever
    a base is taken (model.init, reproduce --base, the premise), and an adapter-only checkpoint of
    either names it as builtin:NAME, which resolves wherever realiz3d is installed."""
    from realiz3d.checkpoint import _backbone_folder, _reference, backbone_hash
    from realiz3d.experiments import Plan, base_dir

    assert named_base("base") == BASE_MODEL_DIR and named_base("base_long") == BASE_LONG_MODEL_DIR
    assert named_base(str(tmp_path)) == tmp_path
    plan = dict(world=str(tmp_path), out=str(tmp_path / "out"))
    assert base_dir(Plan(**plan, base="base_long")) == BASE_LONG_MODEL_DIR and base_dir(Plan(**plan)) == BASE_MODEL_DIR
    a, b = (Realiz3DTransformer.from_pretrained(d).backbone for d in (BASE_MODEL_DIR, BASE_LONG_MODEL_DIR))
    assert backbone_hash(a) != backbone_hash(b)  # two different models
    for name, d in (("base", BASE_MODEL_DIR), ("base_long", BASE_LONG_MODEL_DIR)):
        assert _reference(d / "transformer") == f"builtin:{name}"
        ck = tmp_path / name
        ck.mkdir()
        (ck / "base_model.json").write_text(json.dumps({"transformer": f"builtin:{name}", "sha256": "x"}))
        assert _backbone_folder(ck) == (d / "transformer", "x")
    assert _reference(tmp_path) == str(tmp_path.resolve())


def test_a_texturing_checkpoint_without_camera_setup_or_flow_shift_reads_the_defaults(tmp_path):
    """The texturing model shipped before 2026-11-30 recorded neither its camera set-up nor its
    flow shift (nor a schema version): such a folder loads, with the defaults."""
    import json
    import shutil

    old = tmp_path / "texturing_v0"
    shutil.copytree(TEXTURING_MODEL_DIR, old)
    cfg_file = old / "realiz3d_config.json"
    cfg = json.loads(cfg_file.read_text())
    for key in ("camera_setup", "flow_shift", "version"):
        cfg["extra"].pop(key, None)
    cfg.pop("shifter_tokens", None)
    cfg_file.write_text(json.dumps(cfg))
    tex = trained_with(Realiz3DTransformer.from_pretrained(old).config)
    assert (tex.version, tex.camera_setup, tex.flow_shift) == (0, None, 1.0)


def test_defaults_for_missing_facts_live_in_one_place():
    assert trained_with(ModelConfig(control="camera")).views == 4
    assert trained_with(ModelConfig(control="none")).views == 1
    assert trained_with(ModelConfig(control="none", extra={"views": 4, "future_key": 1})).views == 4
    assert trained_with(ModelConfig()).latent is False
    assert trained_with(ModelConfig(extra={"pipeline": "/x"})).latent is True


def test_record_training_writes_typed_facts_with_the_schema_version():
    cfg = ModelConfig(control="texturing", extra={"preset": "tiny"})
    record_training(cfg, views=4, flow_shift=3.0, stage="stage2")
    assert cfg.extra == {"preset": "tiny", "views": 4, "flow_shift": 3.0, "stage": "stage2", "version": SCHEMA_VERSION}
    assert trained_with(cfg) == TrainedWith(views=4, flow_shift=3.0, stage="stage2", preset="tiny")
    with pytest.raises(TypeError, match="flowshift"):
        record_training(cfg, flowshift=3.0)  # a typo is a bug in our code, not a silent new key


def test_is_latent_checkpoint(tmp_path):
    (tmp_path / "pipe").mkdir()
    (tmp_path / "pipe" / "model_index.json").write_text("{}")
    assert is_latent_checkpoint(tmp_path / "pipe")
    (tmp_path / "ck").mkdir()
    (tmp_path / "ck" / "realiz3d_config.json").write_text(json.dumps({"extra": {"pipeline": "/somewhere"}}))
    assert is_latent_checkpoint(tmp_path / "ck")
    (tmp_path / "ck" / "realiz3d_config.json").write_text(json.dumps({"extra": {"preset": "tiny"}}))
    assert not is_latent_checkpoint(tmp_path / "ck") and not is_latent_checkpoint(tmp_path / "missing")


def test_a_missing_shipped_base_names_its_recipe(tmp_path, monkeypatch):
    """model.init=base / base_long where that base is not installed: a config error naming the
    option and the recipe that builds it (the one run for base, the three runs for base_long)."""
    from realiz3d.config import ConfigError, load_config
    from realiz3d.models import builtin
    from realiz3d.run_setup import build_model

    for name, recipe in (("base", "pretrain_fast.yaml"), ("base_long", "pretrain_views_more.yaml")):
        monkeypatch.setitem(builtin.NAMED_BASES, name, tmp_path / "missing")
        cfg = load_config(None, [f"out={tmp_path / 'o'}", f"model.init={name}"])
        with pytest.raises(ConfigError, match=f"model.init={name}: .*{recipe}"):
            build_model(cfg)

"""Training program: what each stage trains, representation binding, configs, resume."""
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from realiz3d.config import ConfigError
from realiz3d.models import REAL, SYNTHETIC
from realiz3d.batches import Data
from realiz3d.config import load_config, stage_sources
from realiz3d.train import train

REPO = Path(__file__).resolve().parent.parent


def tiny_cfg(tmp_path, world, stage, **train_kw):
    over = [f"out={tmp_path / stage}", "model.init=scratch", "model.preset=tiny", f"data.world={world}",
            f"train.stage={stage}", "train.steps=2", "train.batch_size=4", "train.checkpoint_every=0", "train.log_every=1"]
    over += [f"train.{k}={v}" for k, v in train_kw.items()]
    return load_config(None, over)


def _state(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _run_and_diff(cfg):
    """Train, then compare the exported model with the initial one: names of changed tensors."""
    from realiz3d.run_setup import build_model

    torch.manual_seed(0)
    before = _state(build_model(cfg))
    train(cfg, progress=False)
    from realiz3d.models import Realiz3DTransformer

    after = Realiz3DTransformer.from_pretrained(Path(cfg.out) / "final")
    after_state = _state(after)
    changed = {k for k in before if k in after_state and not torch.equal(before[k], after_state[k])}
    return before, after_state, changed


def test_stage1_changes_only_shifters(tmp_path, tiny_world):
    cfg = tiny_cfg(tmp_path, tiny_world, "stage1", lr=0.01)
    _, _, changed = _run_and_diff(cfg)
    assert changed, "stage 1 should train something"
    assert all(k.startswith("shifters.") for k in changed), sorted(changed)[:5]


def test_stage2_leaves_shifters_unchanged_and_trains_the_backbone(tmp_path, tiny_world):
    # start stage 2 from a stage-1 result with non-zero shifters
    s1 = tiny_cfg(tmp_path, tiny_world, "stage1", lr=0.05)
    train(s1, progress=False)
    cfg = tiny_cfg(tmp_path, tiny_world, "stage2", freeze_k="[1,1]", reassign_p=0.5)
    cfg.model.init = str(Path(s1.out) / "final")
    cfg.model.control = "texturing"
    _, after, changed = _run_and_diff(cfg)
    assert not any(k.startswith("shifters.") for k in changed)
    assert any(k.startswith("backbone.transformer_blocks") for k in changed)
    # the control channels are trained (they started at zero)
    w = after["backbone.pos_embed.proj.weight"]
    assert w[:, 3:].abs().sum() > 0
    shifters = load_file(str(Path(s1.out) / "final" / "domain_shifters.safetensors"))
    assert any(v.abs().sum() > 0 for k, v in shifters.items() if k.endswith(".up"))


def test_layer_aware_training_leaves_early_blocks_untouched_by_real_samples(tmp_path, tiny_world):
    # real samples only, blocks [0, 1) frozen: block 0 must not move, block 1 must
    cfg = tiny_cfg(tmp_path, tiny_world, "stage2", real_fraction=1.0, freeze_k="[1,1]", reassign_p=0.0)
    _, _, changed = _run_and_diff(cfg)
    assert not any(k.startswith("backbone.transformer_blocks.0.") for k in changed)
    assert not any(k.startswith("backbone.pos_embed") for k in changed)
    assert any(k.startswith("backbone.transformer_blocks.1.") for k in changed)
    # what feeds every block (PixArt's adaLN timestep embedding, the caption projection) gets
    # no gradient from them either; train.layer_aware_shared=trained is the earlier behaviour
    shared = ("backbone.adaln_single.", "backbone.caption_projection.")
    assert not any(k.startswith(shared) for k in changed), sorted(k for k in changed if k.startswith(shared))
    old = tiny_cfg(tmp_path / "old", tiny_world, "stage2", real_fraction=1.0, freeze_k="[1,1]", reassign_p=0.0,
                   layer_aware_shared="trained")
    _, _, changed_old = _run_and_diff(old)
    assert any(k.startswith("backbone.adaln_single.") for k in changed_old)
    assert any(k.startswith("backbone.caption_projection.") for k in changed_old)
    assert not any(k.startswith("backbone.transformer_blocks.0.") for k in changed_old)


def test_reassignment_puts_synthetic_ids_exactly_in_early_blocks(tmp_path, tiny_world):
    p, nb = 0.3, 6
    cfg = tiny_cfg(tmp_path, tiny_world, "stage2", real_fraction=1.0, reassign_p=p, reassign_k="[1,3]", batch_size=64)
    data = Data(cfg, 16, progress=False)
    reassigned = total = 0
    ks = set()
    for step in range(20):
        b = data.batch(step, nb)
        for row in b.domain.tolist():
            total += 1
            k = sum(row)
            if k:
                reassigned += 1
                ks.add(k)
                assert row == [SYNTHETIC] * k + [REAL] * (nb - k), row  # a prefix, never elsewhere
    assert ks == {1, 2, 3}
    # 1280 Bernoulli(0.3) draws: 4.5 standard deviations either side
    sd = (total * p * (1 - p)) ** 0.5
    assert abs(reassigned - total * p) < 4.5 * sd, (reassigned, total)


def test_batches_follow_the_stage(tmp_path, tiny_world):
    nb = 2
    s2 = Data(tiny_cfg(tmp_path, tiny_world, "stage2", real_fraction=0.5, freeze_k="[1,2]", batch_size=32), 16, progress=False)
    b = s2.batch(0, nb)
    assert b.x0.shape[1] == 4 and len(b.captions) == 32 * 4  # per-view captions: grids of real images
    syn, real = ~b.is_real, b.is_real
    assert real.any() and syn.any()
    assert torch.all(b.multiview == syn)  # synthetic grids: multiview; real grids: single-image
    assert torch.all(b.domain[syn] == SYNTHETIC)
    assert torch.all(b.control[real] == 0) and b.control[syn].abs().sum() > 0
    assert torch.all(b.freeze_k[syn] == 0) and torch.all((b.freeze_k[real] >= 1) & (b.freeze_k[real] <= 2))
    s1 = Data(tiny_cfg(tmp_path, tiny_world, "stage1", batch_size=16), 16, progress=False)
    b1 = s1.batch(0, nb)
    assert b1.x0.shape[1] == 1 and b1.control is None and not b1.multiview.any() and b1.freeze_k is None
    assert stage_sources(tiny_cfg(tmp_path, tiny_world, "naive")) == (False, True)
    # same step, same batch
    assert torch.equal(s2.batch(3, nb).noise, s2.batch(3, nb).noise)


ALL_CONFIGS = sorted(p for p in (REPO / "realiz3d" / "configs" / "world").rglob("*.yaml") if not p.name.endswith("common.yaml"))  # shared settings, not runs


@pytest.mark.parametrize("path", ALL_CONFIGS, ids=lambda p: str(p.relative_to(REPO / "realiz3d" / "configs")))
def test_every_shipped_config_runs_two_steps_on_tiny(tmp_path, tiny_world, path):
    cfg = load_config(path, [f"out={tmp_path / 'run'}", "model.init=scratch", "model.preset=tiny", f"data.world={tiny_world}",
                             "train.steps=2", "train.batch_size=4", "train.checkpoint_every=1", "train.validate_every=0"])
    summary = train(cfg, progress=False)
    assert summary["step"] == 2
    assert (Path(cfg.out) / "final" / "realiz3d_config.json").is_file()
    assert (Path(cfg.out) / "config.yaml").is_file()
    assert len(list((Path(cfg.out) / "checkpoints").iterdir())) == 2  # keep_checkpoints


@pytest.mark.parametrize("task", ["texturing", "multiview"])
def test_every_stage2_method_of_a_task_trains_at_the_same_learning_rate(task):
    """The reproduction pairs methods by seed: what differs between them must be the method, not
    the optimiser. The shipped multiview recipe keeps the constant lr it was trained with."""
    from realiz3d.experiments import ABLATIONS, BASELINES
    lrs = {m: (c.train.lr, c.train.lr_schedule, c.train.warmup_steps)
           for m in BASELINES + ("realiz3d",) + ABLATIONS
           for c in [load_config(REPO / "realiz3d" / "configs" / "world" / task / f"{m if m != 'realiz3d' else 'stage2'}.yaml")]}
    assert set(lrs.values()) == {(3e-4, "cosine", 20)}, lrs
    if task == "multiview":
        shipped = load_config(REPO / "realiz3d" / "configs" / "world" / "multiview" / "shipped.yaml").train
        assert (shipped.lr, shipped.lr_schedule, shipped.warmup_steps) == (1e-4, "constant", 50)


def test_resume_gives_the_weights_of_an_uninterrupted_run(tmp_path, tiny_world):
    full = tiny_cfg(tmp_path / "a", tiny_world, "mixed", steps=4, checkpoint_every=2)
    full.model.control = "camera"
    train(full, progress=False)
    part = tiny_cfg(tmp_path / "b", tiny_world, "mixed", steps=4, checkpoint_every=2)
    part.model.control = "camera"
    train(part, progress=False, stop_after=2)  # "dies" after the checkpoint at step 2
    assert not (Path(part.out) / "final").exists()
    train(part, resume="latest", progress=False)
    a = load_file(str(Path(full.out) / "final" / "transformer" / "diffusion_pytorch_model.safetensors"))
    b = load_file(str(Path(part.out) / "final" / "transformer" / "diffusion_pytorch_model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_resume_with_mismatched_config_names_the_mismatch(tmp_path, tiny_world):
    cfg = tiny_cfg(tmp_path, tiny_world, "stage1", checkpoint_every=1)
    train(cfg, progress=False)
    cfg.model.rank = 2
    with pytest.raises(ConfigError, match="model.rank=4.*has 2"):
        train(cfg, resume="latest", progress=False)
    empty = tiny_cfg(tmp_path / "x", tiny_world, "stage1")
    with pytest.raises(ConfigError, match="no complete checkpoint"):
        train(empty, resume="latest", progress=False)


@pytest.mark.parametrize("override,match", [
    ("train.stage=stage3", "train.stage"),
    ("train.reassign_p=1.5", "probability"),
    ("train.steps=ten", "expected an integer"),
    ("train.lr=fast", "train.lr='fast': expected a number"),
    ("train.freeze_k=[3,1]", "lo <= hi"),
    ("model.rank=0", "rank"),
    ("train.unknown=1", "unknown config key train.unknown"),
    ("model.control=depth", "control kind"),
    ("train.control_lr_scale=0", "control_lr_scale"),
    ("model.control=texturing model.camera_embedding=true", "camera_embedding needs model.control=camera"),
])
def test_bad_configs_fail_clearly(tmp_path, tiny_world, override, match):
    with pytest.raises((ConfigError, ValueError), match=match):
        cfg = load_config(None, [*override.split(), "model.init=scratch", "model.preset=tiny", f"data.world={tiny_world}"])
        from realiz3d.run_setup import build_model

        build_model(cfg)


def test_float_options_take_exponent_notation(tmp_path):
    """PyYAML reads 5e-4 (no dot) as a string; a learning rate is usually written that way."""
    path = tmp_path / "c.yaml"
    path.write_text("train:\n  weight_decay: 1e-2\n")
    cfg = load_config(path, ["train.lr=5e-4", "train.control_lr_scale=3"])
    assert cfg.train.lr == 5e-4 and cfg.train.weight_decay == 1e-2 and cfg.train.control_lr_scale == 3.0


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_gradient_checkpointing_gives_the_same_gradients():
    """The shifter and layer-freezing hooks must behave the same when blocks are recomputed."""
    import copy

    from realiz3d.models import ModelConfig, Realiz3DTransformer
    from realiz3d.models.builtin import build_builtin_backbone
    from tiny_backbones import inputs, randomize

    plain = Realiz3DTransformer(build_builtin_backbone("tiny"), ModelConfig(control="camera"))
    randomize(plain.shifters)
    ckpt = copy.deepcopy(plain)
    ckpt.backbone.enable_gradient_checkpointing()
    x, t, cond = inputs("pixart", batch=2, views=2)
    kw = dict(domain=torch.tensor([[1, 0], [0, 0]]), freeze_k=torch.tensor([0, 1]), multiview=torch.tensor([True, False]))
    for m in (plain, ckpt):
        m.train()
        m(x, t, cond, **kw).square().mean().backward()
    for (n, a), b in zip(plain.named_parameters(), ckpt.parameters()):
        if a.grad is None:
            assert b.grad is None, n
        else:
            torch.testing.assert_close(a.grad, b.grad, rtol=1e-4, atol=1e-6, msg=n)


def test_bf16_mixed_precision_run(tmp_path, tiny_world):
    cfg = tiny_cfg(tmp_path, tiny_world, "stage2", mixed_precision="bf16", gradient_checkpointing="on", freeze_k="[1,1]")
    summary = train(cfg, progress=False)
    assert summary["step"] == 2 and summary["nonfinite_skipped"] == 0


def test_control_lr_scale_is_a_larger_lr_on_the_control_channels_only():
    """ControlLR with AdamW == AdamW at scale x lr on the control slice, plain lr elsewhere."""
    from realiz3d.models import ModelConfig, Realiz3DTransformer
    from realiz3d.models.builtin import build_builtin_backbone
    from realiz3d.run_setup import ControlLR

    def run(lr, scale):
        model = Realiz3DTransformer(build_builtin_backbone("tiny", seed=0), ModelConfig(control="camera"))
        w = model.family.patch_conv(model.backbone).weight
        assert w[:, 3:].abs().sum() == 0  # starts as the identity
        opt = torch.optim.AdamW([w], lr=lr, weight_decay=0.01)
        ctl = ControlLR(model, [w], scale)
        g = torch.Generator().manual_seed(0)
        for _ in range(5):
            w.grad = torch.randn(w.shape, generator=g)
            ctl.before_step()
            opt.step()
            ctl.after_step()
        return w.detach().clone()

    scaled, plain, fast = run(1e-3, 10.0), run(1e-3, 1.0), run(1e-2, 1.0)
    assert torch.allclose(scaled[:, 3:], fast[:, 3:], atol=1e-7)
    assert torch.equal(scaled[:, :3], plain[:, :3])
    assert not torch.allclose(scaled[:, 3:], plain[:, 3:])


def test_camera_embedding_trains_and_is_exported(tmp_path, tiny_world):
    cfg = tiny_cfg(tmp_path, tiny_world, "naive", control_lr_scale=10)
    cfg.model.control, cfg.model.camera_embedding = "camera", True
    _, after, changed = _run_and_diff(cfg)
    assert {"camera_embedding.fc1.weight", "camera_embedding.fc2.weight"} <= changed
    assert after["camera_embedding.fc2.weight"].abs().sum() > 0  # started at zero


def test_synthetic_kinds_keeps_only_those_items(tmp_path, tiny_world):
    import json

    from realiz3d.data import DataError

    rows = [json.loads(line) for line in (tiny_world / "synthetic" / "metadata.jsonl").read_text().splitlines()]
    kind = rows[0]["kind"]
    cfg = load_config(None, [f"out={tmp_path / 'k'}", "model.init=scratch", "model.preset=tiny", f"data.world={tiny_world}",
                             "train.stage=naive", f"data.synthetic_kinds=[{kind}]"])
    data = Data(cfg, 16, progress=False)
    assert data.synthetic.captions == [r["caption"] for r in rows if r["kind"] == kind]
    assert 0 < len(data.synthetic) < len(rows)
    bad = load_config(None, [f"out={tmp_path / 'b'}", "model.init=scratch", "model.preset=tiny", f"data.world={tiny_world}",
                             "train.stage=naive", "data.synthetic_kinds=[teapot]"])
    with pytest.raises(DataError, match=rf"no item of kinds \['teapot'\] \(kinds there: .*{kind}"):
        Data(bad, 16, progress=False)
    cached = load_config(None, [f"out={tmp_path / 'c'}", "model.init=scratch", "model.preset=tiny", f"data.world={tiny_world}",
                                "train.stage=naive", f"data.synthetic_kinds=[{kind}]", f"data.cache={tmp_path}"])
    with pytest.raises(ConfigError, match="does not combine with data.cache"):
        Data(cached, 16, progress=False)


def test_a_checkpoint_keeps_the_camera_setup_of_its_data_and_generate_uses_it(tmp_path):
    """One camera set-up: written by the world, saved with the checkpoint, and the cameras
    that generate and texture build for that checkpoint are the training data's."""
    import numpy as np

    from realiz3d.data import load_synthetic
    from realiz3d.pipeline import Realiz3DPipeline
    from realiz3d.texture import TextureOptions, view_cameras
    from realiz3d.world.build import WorldConfig, build_world

    world = tmp_path / "w"
    build_world(world, WorldConfig.preset("tiny", synthetic_assets=4, real_images=4, val_assets=1, heldout_assets=1,
                                          distance=3.1, fov_deg=25.0, elevation_min=5.0, elevation_max=25.0),
                workers=1, progress=False)
    cfg = tiny_cfg(tmp_path, world, "naive")
    train(cfg, progress=False)
    pipe = Realiz3DPipeline.from_pretrained(Path(cfg.out) / "final")
    syn = load_synthetic(world / "synthetic")
    assert pipe.camera_setup == syn.camera_setup and pipe.camera_setup.distance == 3.1
    assert pipe.camera_setup.elevation == 15.0  # a request without an elevation: the middle of the range
    for i in range(len(syn)):
        data_cams = syn.cameras[i]
        el = data_cams[0].elevation
        for made in (pipe.cameras(4, el), view_cameras(TextureOptions(elevation=el, extra_views=[]), pipe.resolution, pipe.camera_setup)):
            assert len(made) == len(data_cams)
            for a, b in zip(made, data_cams):
                assert np.allclose(a.c2w, b.c2w) and a.fov_deg == b.fov_deg and a.resolution == b.resolution
        ctrl = pipe.camera_control(4, el, 1)[0]
        assert torch.allclose(ctrl, syn.control(torch.tensor([i]), "camera")[0], atol=1e-5)
    # a fine-tune of that checkpoint on data without a saved set-up keeps the set-up it had
    cfg2 = tiny_cfg(tmp_path / "2", world, "naive")
    cfg2.model.init = str(Path(cfg.out) / "final")
    (world / "synthetic" / "camera_setup.json").unlink()
    train(cfg2, progress=False)
    assert Realiz3DPipeline.from_pretrained(Path(cfg2.out) / "final").camera_setup.distance == 3.1


def test_validation_with_cached_latents_leaves_the_model_in_train_mode(tmp_path):
    """With data.cache no VAE is loaded, so validation draws nothing; the run must go on in
    train mode (it used to return before restoring it, so the rest of the run trained in eval mode)."""
    from types import SimpleNamespace

    from realiz3d.models import ModelConfig, Realiz3DTransformer
    from realiz3d.models.builtin import build_builtin_backbone
    from realiz3d.train import validate

    model = Realiz3DTransformer(build_builtin_backbone("tiny"), ModelConfig(control="none")).train()
    cfg = load_config(None, [f"out={tmp_path}"])
    data = SimpleNamespace(views=1, synthetic=None, latent=True, space=(4, 8))
    validate(model, None, [], cfg, text=None, path=tmp_path / "v.png", data=data, objective=None, codec=None)
    assert model.training and all(m.training for m in model.modules())
    assert not (tmp_path / "v.png").exists()


def test_control_dropout_nulls_the_control_of_some_synthetic_samples_only(tmp_path, tiny_world):
    cfg = tiny_cfg(tmp_path, tiny_world, "naive", batch_size=64, control_dropout=0.5)
    plain = tiny_cfg(tmp_path / "p", tiny_world, "naive", batch_size=64)
    d, p = Data(cfg, 16, progress=False), Data(plain, 16, progress=False)
    b, ref = d.batch(3, 2), p.batch(3, 2)
    dropped = b.control.flatten(1).abs().sum(1) == 0
    assert 10 < int(dropped.sum()) < 54  # about half
    # everything else is the batch the run without dropout draws
    assert torch.equal(b.control[~dropped], ref.control[~dropped])
    assert torch.equal(b.x0, ref.x0) and torch.equal(b.noise, ref.noise) and b.captions == ref.captions


def test_data_views_is_one_or_all_of_the_sets_views(tmp_path, tiny_world):
    single = Data(tiny_cfg(tmp_path, tiny_world, "naive", batch_size=4), 16, progress=False)
    assert single.views == 4
    cfg = tiny_cfg(tmp_path, tiny_world, "naive", batch_size=4)
    cfg.model.control, cfg.data.views = "none", 1
    b = Data(cfg, 16, progress=False).batch(0, 2)
    assert b.x0.shape[1] == 1 and not b.multiview.any() and b.control is None
    cfg.data.views = 2
    with pytest.raises(ConfigError, match="data.views=2: expected 1"):
        Data(cfg, 16, progress=False).views
    cfg.data.views, cfg.model.control = 1, "camera"
    with pytest.raises(ConfigError, match="model.control=none"):
        Data(cfg, 16, progress=False).views


def test_view_noise_gives_multiview_samples_one_level_per_view(tmp_path, tiny_world):
    cfg = tiny_cfg(tmp_path, tiny_world, "mixed", batch_size=64, view_noise=0.5)
    plain = tiny_cfg(tmp_path / "p", tiny_world, "mixed", batch_size=64)
    b, ref = Data(cfg, 16, progress=False).batch(3, 2), Data(plain, 16, progress=False).batch(3, 2)
    assert b.u.shape == (64, 4) and ref.u.shape == (64,)
    own = (b.u != b.u[:, :1]).any(1)  # samples whose views got levels of their own
    assert not own[~b.multiview].any()  # real samples (single-image mode) keep one level
    assert 5 < int(own.sum()) < int(b.multiview.sum()) - 5  # about half of the multiview ones
    # everything else is the batch the run without it draws
    torch.testing.assert_close(b.u[~own][:, 0], ref.u[~own])
    assert torch.equal(b.x0, ref.x0) and torch.equal(b.noise, ref.noise)


def test_flow_noise_per_view_and_shift():
    from realiz3d.objectives import FlowMatching, make_objective

    x0, noise = torch.randn(2, 3, 3, 4, 4), torch.randn(2, 3, 3, 4, 4)
    u = torch.rand(2, 3)
    for obj in (FlowMatching(), FlowMatching(shift=3.0)):
        xt, t, target = obj.noisy(x0, noise, u)
        assert t.shape == (2, 3)
        for v in range(3):
            xv, tv, _ = obj.noisy(x0[:, v], noise[:, v], u[:, v])
            torch.testing.assert_close(xt[:, v], xv)
            torch.testing.assert_close(t[:, v], tv)
    half = torch.full((1,), 0.5)
    assert float(FlowMatching(shift=3.0).noisy(x0[:1], noise[:1], half)[1]) == pytest.approx(750.0)  # 3*.5/(1+2*.5)
    eps = make_objective("epsilon")
    xt, t, _ = eps.noisy(x0, noise, u)
    assert t.shape == (2, 3)
    torch.testing.assert_close(xt[:, 1], eps.noisy(x0[:, 1], noise[:, 1], u[:, 1])[0])
    with pytest.raises(ValueError, match="noise shift"):
        make_objective("epsilon", shift=3.0)


def test_noise_shift_is_saved_and_used_for_sampling(tmp_path, tiny_world):
    from realiz3d.pipeline import Realiz3DPipeline

    cfg = tiny_cfg(tmp_path, tiny_world, "naive", noise_shift=3.0, view_noise=0.5)
    cfg.model.control = "camera"
    train(cfg, progress=False)
    pipe = Realiz3DPipeline.from_pretrained(Path(cfg.out) / "final")
    assert pipe.objective.shift == 3.0 and pipe.objective.scheduler().config.shift == 3.0
    for bad in ("noise_shift=0", "view_noise=1.5"):
        with pytest.raises(ConfigError, match=f"train.{bad.split('=')[0]}"):
            tiny_cfg(tmp_path, tiny_world, "naive", **dict([bad.split("=")]))


def test_grid_layout_and_view_rope_are_saved_and_kept_by_a_fine_tune(tmp_path, tiny_world):
    from realiz3d.models import Realiz3DTransformer

    cfg = tiny_cfg(tmp_path, tiny_world, "naive")
    cfg.model.control, cfg.model.layout, cfg.model.view_rope = "camera", "grid", 2
    train(cfg, progress=False)
    first = Realiz3DTransformer.from_pretrained(Path(cfg.out) / "final").config
    assert (first.layout, first.view_rope) == ("grid", 2)
    again = tiny_cfg(tmp_path / "b", tiny_world, "naive")
    again.model.control, again.model.init = "camera", str(Path(cfg.out) / "final")
    train(again, progress=False)
    kept = Realiz3DTransformer.from_pretrained(Path(again.out) / "final").config
    assert (kept.layout, kept.view_rope) == ("grid", 2)
    with pytest.raises(ConfigError, match="model.layout"):
        bad = tiny_cfg(tmp_path / "c", tiny_world, "naive")
        bad.model.layout = "tiles"
        train(bad, progress=False)


def test_stage1_exports_the_shifters_and_a_reference_to_its_backbone(tmp_path, tiny_world):
    import json
    import warnings

    from safetensors import safe_open

    from realiz3d.models import Realiz3DTransformer
    from realiz3d.pipeline import Realiz3DPipeline

    pre = tiny_cfg(tmp_path, tiny_world, "pretrain")
    train(pre, progress=False)
    base = Path(pre.out) / "final"
    s1 = tiny_cfg(tmp_path, tiny_world, "stage1", lr=0.05, steps=4, checkpoint_every=2)
    s1.model.init = str(base)
    train(s1, progress=False, stop_after=2)
    # the training checkpoint holds what trains: the shifters (and no frozen backbone weight)
    ck = sorted((Path(s1.out) / "checkpoints").iterdir())[-1]
    with safe_open(str(ck / "model.safetensors"), "pt") as f:
        keys = list(f.keys())
    assert keys and all(k.startswith("shifters.") for k in keys), keys[:3]
    train(s1, resume="latest", progress=False)  # resumes from it
    final = Path(s1.out) / "final"
    assert not (final / "transformer").exists()
    ref = json.loads((final / "base_model.json").read_text())
    assert Path(ref["transformer"]) == (base / "transformer").resolve() and len(ref["sha256"]) == 64
    loaded = Realiz3DTransformer.from_pretrained(final)
    full = Realiz3DTransformer.from_pretrained(base)
    for k, v in full.backbone.state_dict().items():
        torch.testing.assert_close(loaded.backbone.state_dict()[k], v)
    assert any(v.abs().sum() > 0 for k, v in loaded.shifters.state_dict().items() if k.endswith(".up"))
    # stage 2 and the pipeline accept the stage-1 folder as before
    s2 = tiny_cfg(tmp_path, tiny_world, "stage2")
    s2.model.init, s2.model.control = str(final), "camera"
    train(s2, progress=False)
    pipe = Realiz3DPipeline(Realiz3DTransformer.from_pretrained(base, domain="shifter"))  # fresh (zero) shifters
    pipe.load_domain_shifters(final)
    got = pipe("a brick mug", num_views=1, num_inference_steps=2, schedule="synthetic", output_type="pt")
    want = Realiz3DPipeline.from_pretrained(final)("a brick mug", num_views=1, num_inference_steps=2,
                                                  schedule="synthetic", output_type="pt")
    torch.testing.assert_close(got.images, want.images)
    # load_domain_shifters: onto the same backbone silently, onto other weights with a warning
    fresh = Realiz3DTransformer.from_pretrained(base, domain="shifter")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fresh.load_domain_shifters(final)
    torch.testing.assert_close(fresh.shifters.state_dict(), loaded.shifters.state_dict())
    with torch.no_grad():
        fresh.backbone.transformer_blocks[0].attn1.to_q.weight.add_(0.1)
    with pytest.warns(UserWarning, match="differ"):
        fresh.load_domain_shifters(final / "domain_shifters.safetensors")
    other = Realiz3DTransformer.from_pretrained(base, domain="shifter", rank=2)
    with pytest.raises(ValueError, match="rank"):
        other.load_domain_shifters(final)
    # the backbone it names is gone: a clear error naming both
    (final / "base_model.json").write_text(json.dumps({**ref, "transformer": str(tmp_path / "gone")}))
    with pytest.raises(FileNotFoundError, match="gone"):
        Realiz3DTransformer.from_pretrained(final)


def test_trackers_through_accelerate(tmp_path, tiny_world):
    import importlib.util

    cfg = tiny_cfg(tmp_path, tiny_world, "pretrain")
    train(cfg, progress=False)
    assert list((Path(cfg.out) / "tb").rglob("events.out.tfevents*"))  # tensorboard by default, in OUT/tb
    assert (Path(cfg.out) / "metrics.jsonl").read_text().strip()
    off = tiny_cfg(tmp_path / "off", tiny_world, "pretrain", report_to="none")
    train(off, progress=False)
    assert not (Path(off.out) / "tb").exists() and (Path(off.out) / "metrics.jsonl").read_text().strip()
    with pytest.raises(ConfigError, match="train.report_to.*not a tracker"):
        tiny_cfg(tmp_path, tiny_world, "pretrain", report_to="tensorbored")
    if importlib.util.find_spec("wandb") is None:
        with pytest.raises(ConfigError, match="wandb is not installed"):
            tiny_cfg(tmp_path, tiny_world, "pretrain", report_to="tensorboard,wandb")


def test_no_stage1_ablation_trains_the_shifters_jointly_and_domain_lr_scale(tmp_path, tiny_world):
    from realiz3d.run_setup import build_model, param_groups, set_trainable

    cfg = tiny_cfg(tmp_path, tiny_world, "stage2", train_shifters="true", lr=0.01)
    cfg.model.control = "camera"
    _, _, changed = _run_and_diff(cfg)
    assert any(k.startswith("shifters.") for k in changed) and any(k.startswith("backbone.") for k in changed)
    plain = tiny_cfg(tmp_path / "p", tiny_world, "stage2", lr=0.01)
    plain.model.control = "camera"
    _, _, changed = _run_and_diff(plain)
    assert not any(k.startswith("shifters.") for k in changed)
    model = build_model(cfg)
    groups = param_groups(model, set_trainable(model, "stage2", True), 1e-4, 1.0, 10.0)
    dom = {id(p) for p in model.domain_parameters()}
    assert [g["lr"] for g in groups if all(id(p) in dom for p in g["params"])] == [pytest.approx(1e-3)]
    with pytest.raises(ConfigError, match="train.train_shifters"):
        tiny_cfg(tmp_path, tiny_world, "naive", train_shifters="true")
    with pytest.raises(ConfigError, match="train.layer_aware_shared"):
        tiny_cfg(tmp_path, tiny_world, "stage2", layer_aware_shared="maybe")


def test_view_words_name_each_view_from_its_azimuth_relative_to_the_front(tmp_path, tiny_world):
    from realiz3d.camera import VIEW_WORDS, caption_with_view, view_phrase

    assert [view_phrase(a) for a in (0, 44, 46, 90, 180, -90, 314, 316, 359)] == \
        ["front view", "front view", "right side view", "right side view", "back view", "left side view",
         "left side view", "front view", "front view"]
    assert caption_with_view("a brick mug", 180) == "a brick mug, back view" and caption_with_view("", 180) == ""
    # a multiview stage: every synthetic sample drawn for it gets one caption per view
    cfg = tiny_cfg(tmp_path, tiny_world, "mixed", batch_size=64)
    cfg.data.view_words = 0.5
    plain = tiny_cfg(tmp_path / "p", tiny_world, "mixed", batch_size=64)
    d, p = Data(cfg, 16, progress=False), Data(plain, 16, progress=False)
    b, ref = d.batch(3, 2), p.batch(3, 2)
    n = b.x0.shape[1]
    named = 0
    for i in range(64):
        caps, plain_caps = b.captions[i * n : (i + 1) * n], ref.captions[i * n : (i + 1) * n]
        if caps == plain_caps:
            continue
        named += 1
        if b.is_real[i]:  # real samples: single images, their own azimuth
            assert caps[0].startswith(plain_caps[0] + ", ") and caps[0].split(", ")[-1] in VIEW_WORDS
        else:  # the world's cameras start at the front: front, right, back, left
            assert caps == [f"{plain_caps[0]}, {w}" for w in VIEW_WORDS]
    assert 10 < named < 54
    # everything else is the batch the run without view words draws
    assert torch.equal(b.x0, ref.x0) and torch.equal(b.noise, ref.noise) and torch.equal(b.is_real, ref.is_real)
    # a real image's word comes from its metadata: azimuth minus its object's front
    j = next(j for j, a in enumerate(d.real.view_azimuths) if a is not None and 150 < a % 360 < 210)
    assert view_phrase(d.real.view_azimuths[j]) == "back view"
    # a text-embedding cache must hold the named captions too
    assert set(b.captions) <= set(d.captions) | {""}


def test_view_words_need_data_that_says_where_the_front_is(tmp_path, tiny_world):
    import json
    import shutil

    with pytest.raises(ConfigError, match=r"data.view_words=1.5: expected a share in \[0, 1\]"):
        load_config(None, [f"out={tmp_path}", "data.view_words=1.5"])
    world = tmp_path / "old_world"
    shutil.copytree(tiny_world, world)
    for folder in ("real", "pretrain"):
        meta = world / folder / "metadata.jsonl"
        rows = [json.loads(line) for line in meta.read_text().splitlines()]
        meta.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "front_azimuth"}) + "\n" for r in rows))
    cfg = tiny_cfg(tmp_path, world, "mixed")
    cfg.data.view_words = 0.5
    with pytest.raises(ConfigError, match="does not say where each image's object faces"):
        Data(cfg, 16, progress=False)


def test_real_samples_weigh_train_real_loss_weight_in_the_batch_loss():
    """train.real_loss_weight w: the loss is the mean over samples of each one's error, a real
    sample's times w; w = 1 is the plain mean, and a batch with no real sample does not change."""
    from realiz3d.batches import Batch
    from realiz3d.objectives import FlowMatching, per_sample_mse
    from realiz3d.train import batch_loss

    g = torch.Generator().manual_seed(0)
    x0, noise, pred = (torch.randn(4, 1, 3, 4, 4, generator=g) for _ in range(3))
    u = torch.rand(4, generator=g)
    obj = FlowMatching()
    per = per_sample_mse(pred, obj.noisy(x0, noise, u)[2])
    assert len(set(per.tolist())) == 4  # four different errors: a wrong weighting cannot hide

    class Text:
        def encode(self, captions, device):
            return None

    class Model:
        has_domain = False

    def loss(is_real, w):
        mb = Batch(x0, ["a mug"] * 4, None, torch.zeros(4, 2), torch.zeros(4, dtype=torch.bool), None,
                   torch.tensor(is_real), noise, u)
        return float(batch_loss(lambda *a, **k: pred, Model(), mb, Text(), obj, "cpu", real_weight=w))

    mixed = [True, False, False, True]
    assert loss(mixed, 1.0) == pytest.approx(float(per.mean()))
    assert loss(mixed, 0.25) == pytest.approx(float((per * torch.tensor([0.25, 1, 1, 0.25])).mean()))
    assert loss(mixed, 0.0) == pytest.approx(float(per[1:3].sum() / 4))
    assert loss([False] * 4, 0.25) == pytest.approx(float(per.mean()))
    assert tiny_cfg(Path("o"), "w", "stage2").train.real_loss_weight == 1.0
    with pytest.raises(ConfigError, match="train.real_loss_weight=-0.5"):
        tiny_cfg(Path("o"), "w", "stage2", real_loss_weight=-0.5)

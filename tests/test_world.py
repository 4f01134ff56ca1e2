import hashlib
import json

import numpy as np
import pytest
import torch
from PIL import Image

from realiz3d.data import DataError, load_real, load_synthetic, write_jsonl
from realiz3d.world.assets import HELD_OUT_PAIRS, KINDS, MATERIALS, TRAIN_PAIRS, Asset, sample_assets
from realiz3d.world.build import WorldConfig, build_world


def test_split_is_fixed_disjoint_and_covers_every_kind_and_material():
    assert len(HELD_OUT_PAIRS) == 40 and len(KINDS) >= 10 and len(MATERIALS) >= 8
    assert not set(HELD_OUT_PAIRS) & set(TRAIN_PAIRS)
    assert {k for k, _ in TRAIN_PAIRS} == set(KINDS)
    assert {m for _, m in TRAIN_PAIRS} == set(MATERIALS)
    held = sample_assets(40, "heldout", seed=3)
    assert {(a.kind, a.material) for a in held} == set(HELD_OUT_PAIRS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_builds_a_normalised_mesh(kind):
    mesh = Asset("x", kind, "brick", 7).mesh()
    lo, hi = mesh.bounds
    assert abs((hi - lo).max() - 1) < 1e-6 and np.allclose((lo + hi) / 2, 0, atol=1e-6)
    assert len(mesh.faces) > 10


def _digest(root):
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != "world.json":
            h.update(p.relative_to(root).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def test_world_is_deterministic_and_independent_of_workers(tmp_path, tiny_world):
    cfg = WorldConfig.preset("tiny")
    build_world(tmp_path / "w2", cfg, workers=2, progress=False)
    assert _digest(tmp_path / "w2") == _digest(tiny_world)
    other = WorldConfig.preset("tiny", seed=1)
    build_world(tmp_path / "w3", other, workers=1, progress=False)
    assert _digest(tmp_path / "w3") != _digest(tiny_world)


def test_world_layout_and_ground_truth(tiny_world):
    cfg = WorldConfig.preset("tiny")
    syn = load_synthetic(tiny_world / "synthetic")
    assert len(syn) == cfg.synthetic_assets and syn.num_views == cfg.views and syn.resolution == cfg.resolution
    assert all(c.startswith("a ") for c in syn.captions)
    # ground truth is consistent: normals are unit length where the mask is full, zero-ish off it
    m = syn.mask[:, :, 0].float() / 255
    n = syn.normal.float() / 127.5 - 1
    norm = n.norm(dim=2)
    assert ((norm[m > 0.99] - 1).abs() < 0.05).float().mean() > 0.95
    real = load_real(tiny_world / "real", cfg.resolution)
    assert len(real) == cfg.real_images
    for split in ("val", "heldout"):
        ev = load_synthetic(tiny_world / split)
        item = tiny_world / split / ev.ids[0]
        assert (item / "rgb_real.png").is_file() and (item / "mesh.ply").is_file()
    held = [json.loads(l) for l in (tiny_world / "heldout" / "metadata.jsonl").read_text().splitlines()]
    assert all((r["kind"], r["material"]) in set(HELD_OUT_PAIRS) for r in held)
    train = [json.loads(l) for l in (tiny_world / "synthetic" / "metadata.jsonl").read_text().splitlines()]
    assert all((r["kind"], r["material"]) in set(TRAIN_PAIRS) for r in train)


def test_real_and_synthetic_domains_differ_in_texture(tiny_world):
    """Real-domain views carry photo texture and noise; synthetic ones are flat."""
    from scipy.ndimage import binary_erosion

    from realiz3d.data import load_image

    def lap(im):
        return np.abs(im[1:-1, 1:-1] * 4 - im[:-2, 1:-1] - im[2:, 1:-1] - im[1:-1, :-2] - im[1:-1, 2:]).mean(-1)

    real_hf, syn_hf = [], []
    for item in (p for p in (tiny_world / "heldout").iterdir() if p.is_dir()):
        mask = load_image(item / "mask.png")[..., 0] > 250
        inner = binary_erosion(mask, iterations=2)[1:-1, 1:-1]  # object interior, away from silhouettes
        real_hf.append(lap(load_image(item / "rgb_real.png").astype(float))[inner])
        syn_hf.append(lap(load_image(item / "rgb.png").astype(float))[inner])
    real_hf, syn_hf = np.concatenate(real_hf), np.concatenate(syn_hf)
    assert len(real_hf) > 20
    assert real_hf.mean() > 2 * syn_hf.mean()


def test_control_maps(tiny_world):
    syn = load_synthetic(tiny_world / "synthetic")
    idx = torch.tensor([0, 1])
    tex = syn.control(idx, "texturing")
    assert tex.shape == (2, syn.num_views, 6, syn.resolution, syn.resolution)
    off = syn.mask[idx, :, 0] < 128
    assert torch.all(tex.permute(0, 1, 3, 4, 2)[off] == 0)
    cam = syn.control(idx, "camera")
    assert torch.allclose(cam[:, :, :3].norm(dim=2), torch.ones(()), atol=1e-4)


def test_bad_items_are_skipped_and_listed(tmp_path, tiny_world):
    import shutil

    real = tmp_path / "real"
    shutil.copytree(tiny_world / "real", real)
    rows = [json.loads(l) for l in (real / "metadata.jsonl").read_text().splitlines()]
    (real / "images" / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    Image.fromarray(np.zeros((1, 1, 3), np.uint8)).save(real / "images" / "tiny.png")
    Image.fromarray((np.random.rand(40, 30) * 65535).astype(np.uint16)).save(real / "images" / "deep.png")
    Image.fromarray((np.random.rand(20, 20, 4) * 255).astype(np.uint8), "RGBA").save(real / "images" / "alpha.png")
    Image.fromarray((np.random.rand(20, 20) * 255).astype(np.uint8), "L").save(real / "images" / "gray.png")
    rows += [{"file_name": "images/corrupt.png", "text": "a thing"}, {"file_name": "images/tiny.png", "text": "x"},
             {"file_name": "images/deep.png", "text": "a 16-bit image"}, {"file_name": "images/alpha.png", "text": "rgba"},
             {"file_name": "images/gray.png", "text": "gray"}, {"file_name": "images/gray.png", "text": "   "},
             {"file_name": "images/gray.png"}, {"file_name": "images/gray.png", "text": "x" * 10000},
             {"file_name": "images/missing.png", "text": "missing"}, {"text": "no file"},
             {"file_name": "images/gray.png", "text": "ein Stuhl aus Holz, très joli 木の椅子"}]
    write_jsonl(real / "metadata.jsonl", rows)
    with pytest.warns(UserWarning, match="skipped 7 bad item"):
        ds = load_real(real, 16)
    assert len(ds) == len(rows) - 7
    assert ds.rgb.shape[1:] == (3, 16, 16)
    problems = " | ".join(ds.skipped)
    for word in ("corrupt.png", "too small", "empty caption", "caption missing", "10000 characters", "missing.png", "missing 'file_name'"):
        assert word in problems


def test_empty_or_missing_sets_fail_clearly(tmp_path):
    with pytest.raises(DataError, match="no metadata.jsonl"):
        load_real(tmp_path, 16)
    (tmp_path / "metadata.jsonl").write_text('{"file_name": "nope.png", "text": "a"}\n')
    with pytest.raises(DataError, match="no usable images"), pytest.warns(UserWarning):
        load_real(tmp_path, 16)
    (tmp_path / "metadata.jsonl").write_text("not json\n")
    with pytest.raises(DataError, match="not valid JSON"):
        load_real(tmp_path, 16)


def test_sets_are_pytorch_datasets(tiny_world):
    from torch.utils.data import DataLoader

    syn = load_synthetic(tiny_world / "synthetic")
    item = syn[0]
    assert item["views"].shape == (4, 3, 16, 16) and item["texturing"].shape == (4, 6, 16, 16)
    assert item["camera"].shape == (4, 6, 16, 16) and isinstance(item["caption"], str)
    real = load_real(tiny_world / "real", 16)
    batch = next(iter(DataLoader(real, batch_size=5)))
    assert batch["image"].shape == (5, 3, 16, 16) and len(batch["caption"]) == 5
    assert -1 <= batch["image"].min() and batch["image"].max() <= 1

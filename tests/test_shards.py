"""Sharded datasets: writing, streaming over processes x workers, resuming exactly."""
import json

import pytest
import torch

from cli_helpers import cli, one_line_error


@pytest.fixture(scope="module")
def shards(tmp_path_factory, tiny_world):
    from realiz3d.shards import write_shards

    root = tmp_path_factory.mktemp("shards")
    write_shards(tiny_world / "synthetic", root / "syn", per_shard=3, progress=False)
    write_shards(tiny_world / "real", root / "real", per_shard=5, progress=False)
    return root


def test_shards_hold_the_same_items(shards, tiny_world):
    from realiz3d.data import load_real, load_synthetic
    from realiz3d.shards import ShardStream

    syn = load_synthetic(tiny_world / "synthetic")
    idx = json.loads((shards / "syn" / "index.json").read_text())
    assert idx["kind"] == "synthetic" and idx["total"] == len(syn) and [s["count"] for s in idx["shards"]][0] == 3
    items = list(ShardStream(shards / "syn", epochs=1))
    assert len(items) == len(syn)
    by_caption = {c: i for i, c in enumerate(syn.captions)}
    for it in items:  # each item decodes to exactly what the folder loader gives
        i = by_caption[it["caption"]]
        ref = syn[i]
        assert torch.equal(it["views"], ref["views"]) and torch.equal(it["texturing"], ref["texturing"])
        torch.testing.assert_close(it["camera"], ref["camera"])
    real = load_real(tiny_world / "real", 16)
    got = sorted(it["caption"] for it in ShardStream(shards / "real", resolution=16, epochs=1))
    assert got == sorted(real.captions)


def test_streams_split_over_ranks_and_workers(shards):
    """2 processes x 2 workers: every item once per epoch, no overlap."""
    from realiz3d.shards import ShardStream

    seen = []
    for rank in range(2):
        loader = torch.utils.data.DataLoader(ShardStream(shards / "real", 16, rank=rank, world=2, epochs=1),
                                             batch_size=None, num_workers=2)
        seen += [it["caption"] + str(it["image"].sum().item()) for it in loader]
    total = json.loads((shards / "real" / "index.json").read_text())["total"]
    assert len(seen) == total == len(set(seen))


@pytest.mark.parametrize("workers,skip", [(0, 7), (2, 7), (2, 8)])
def test_skip_continues_the_stream(shards, workers, skip):
    from realiz3d.shards import StreamSource

    full = StreamSource(shards / "real", 16, seed=3, workers=workers).take(skip + 10)
    src = StreamSource(shards / "real", 16, seed=3, workers=workers)
    src.seek(skip)
    rest = src.take(10)
    for a, b in zip(full[skip:], rest):
        assert a["caption"] == b["caption"] and torch.equal(a["image"], b["image"])


def test_training_from_shards_resumes_exactly(tmp_path, shards):
    from safetensors.torch import load_file

    from realiz3d.config import load_config

    from realiz3d.train import train

    def cfg(out):
        return load_config(None, [f"out={out}", "model.init=scratch", "model.preset=tiny", f"data.synthetic={shards / 'syn'}",
                                  f"data.real={shards / 'real'}", "train.stage=stage2", "model.control=texturing",
                                  "train.steps=4", "train.batch_size=4", "train.checkpoint_every=2", "data.workers=1"])

    train(cfg(tmp_path / "full"), progress=False)
    train(cfg(tmp_path / "cut"), progress=False, stop_after=2)
    train(cfg(tmp_path / "cut"), resume="latest", progress=False)
    a = load_file(str(tmp_path / "full" / "final" / "transformer" / "diffusion_pytorch_model.safetensors"))
    b = load_file(str(tmp_path / "cut" / "final" / "transformer" / "diffusion_pytorch_model.safetensors"))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_shard_cli_and_errors(tmp_path, tiny_world):
    r = cli("shard", tiny_world / "real", "--out", tmp_path / "s", "--per-shard", "10")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["shards"] == -(-json.loads(r.stdout)["items"] // 10)
    one_line_error(cli("shard", tmp_path / "nothing", "--out", tmp_path / "t"))
    from realiz3d.shards import ShardStream

    with pytest.raises(ValueError, match="shard"):  # more reading streams than shards
        list(ShardStream(tmp_path / "s", 16, rank=0, world=8, epochs=1))

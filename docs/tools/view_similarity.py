"""How alike are the 4 generated views of one sample? Mean over 24 held-out assets of the mean pairwise MSE between views (and the ground truth's).

    python docs/tools/view_similarity.py CHECKPOINT [CHECKPOINT ...]
"""
import sys, json, torch
from realiz3d.pipeline import Realiz3DPipeline
from realiz3d.data import load_synthetic
from realiz3d.evaluation.metrics import EvalSettings, generate_for_assets
assets = load_synthetic("worlds/default/heldout", limit=24)
def pair_mse(v):  # (A, N, 3, H, W)
    n = v.shape[1]; d = []
    for i in range(n):
        for j in range(i + 1, n):
            d.append(((v[:, i] - v[:, j]) ** 2).flatten(1).mean(1))
    return float(torch.stack(d).mean())
print(json.dumps({"ground truth (synthetic)": round(pair_mse(assets.images(torch.arange(len(assets)))), 4)}))
for ck in sys.argv[1:]:
    pipe = Realiz3DPipeline.from_pretrained(ck)
    v = generate_for_assets(pipe, assets, "real", EvalSettings(steps=20))  # multiview attention for 4 views
    print(json.dumps({"checkpoint": ck, "pairwise_mse": round(pair_mse(v.clamp(-1, 1)), 4)}), flush=True)

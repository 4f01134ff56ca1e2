"""Where the textured meshes lose realism: the critic's P(real) of the generated views (the four
around), of the textured mesh rendered from those same cameras, and from new viewpoints, for the
first 8 held-out meshes textured by the shipped texturing model (README, texturing).

    python docs/tools/textured_realism.py
"""
import numpy as np, torch
from realiz3d.pipeline import Realiz3DPipeline
from realiz3d.data import load_synthetic
from realiz3d.evaluation.evaluators import Evaluators
from realiz3d.evaluation.metrics import image_scores
from realiz3d.evaluation.textured import NOVEL_VIEWS, background_color
from realiz3d.texture import TextureOptions, prepare_mesh, render_textured, texture_mesh
from realiz3d.camera import orbit_camera
pipe = Realiz3DPipeline.from_pretrained("realiz3d/weights/texturing"); ev = Evaluators()
assets = load_synthetic("worlds/default/heldout", limit=8)
setup, res = pipe.camera_setup, pipe.resolution
out = {"generated views (4 around)": [], "textured mesh, same cameras": [], "textured mesh, new viewpoints": []}
for i in range(len(assets)):
    uvm = prepare_mesh(assets.root / assets.ids[i] / "mesh.ply")
    r = texture_mesh(uvm, assets.captions[i], pipe, TextureOptions(), seed=i, steps=20)
    bg = background_color(r.views, r.mask)
    def comp(cams):
        img, mask = render_textured(uvm, r.texture, cams)
        return img * mask[..., None] + bg * (1 - mask[..., None])
    new = [orbit_camera(az, el, setup.distance, res, setup.fov_deg) for az, el in NOVEL_VIEWS]
    for name, imgs in (("generated views (4 around)", r.views[:4]), ("textured mesh, same cameras", comp(r.cameras[:4])),
                       ("textured mesh, new viewpoints", comp(new))):
        x = torch.from_numpy(np.asarray(imgs)).permute(0, 3, 1, 2).float() * 2 - 1
        out[name].append(float(image_scores(ev, x)["p_real"].mean()))
for k, v in out.items(): print(f"{k}: realism {np.mean(v):.3f}  per mesh {[round(a, 2) for a in v]}")

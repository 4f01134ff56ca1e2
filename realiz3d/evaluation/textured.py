"""Quality of the textured mesh itself (texturing), not only of the generated views.

`realiz3d evaluate --task texturing` textures held-out meshes of the world end to end (view
selection, generation, back-projection, fill: `realiz3d texture`'s path) and scores the result:

| score | what | better |
|---|---|---|
| textured_realism | realism critic on renders of the textured mesh from new viewpoints (azimuths between the generated views') | higher |
| textured_material_accuracy | the caption's material recognised in those renders | higher |
| textured_view_psnr | the generated views against renders of the textured mesh from the same cameras: low when the views disagree and baking averaged them | higher |
| seam_color_jump | mean colour difference across UV island borders (the two sides of each seam edge, sampled just inside each face) | lower |
| interior_color_jump | the same across edges inside islands: the texture's own variation, the seam score's reference | - |
| textured_coverage | share of texels some generated view saw (the rest is filled) | higher |

The renders are composited over the background the model drew in its own views (the median
colour outside the object), so the critic judges the texture, not a background nobody chose.
"""
from __future__ import annotations

import numpy as np

NOVEL_VIEWS = [(45.0, 20.0), (135.0, 20.0), (225.0, 20.0), (315.0, 20.0)]  # (azimuth, elevation), between the generated views


def seam_jumps(uvm, texture: np.ndarray, samples: int = 5, inset: float = 0.15) -> tuple[float, float]:
    """(mean colour jump across seam edges, across interior edges) of a texture on a UV mesh.

    A seam edge is a geometric edge whose two faces give its end points different UVs (the
    unwrap cut the surface there). Along each edge, points at `samples` positions are taken
    just inside each of the two faces (moved `inset` of the way toward the face's third
    corner, in UV space) and the texture is sampled on both sides; the jump is the mean
    absolute colour difference. NaN where a mesh has no such edges."""
    from ..texture import bilinear

    faces = np.asarray(uvm.mesh.faces)
    verts = np.asarray(uvm.mesh.vertices)
    uv = np.asarray(uvm.uv, dtype=np.float64)
    if uv.min() < 0 or uv.max() > 1:
        uv = uv % 1.0
    _, gid = np.unique(np.round(verts, 6), axis=0, return_inverse=True)  # one id per position
    gid = gid.ravel()
    a = faces.reshape(-1)  # half-edges (a -> b) of every face, with the face's third corner c
    b = np.roll(faces, -1, axis=1).reshape(-1)
    c = np.roll(faces, -2, axis=1).reshape(-1)
    ga, gb = gid[a], gid[b]
    key = np.stack([np.minimum(ga, gb), np.maximum(ga, gb)], 1)
    order = np.lexsort((key[:, 1], key[:, 0]))
    ks = key[order]
    same = np.all(ks[1:] == ks[:-1], axis=1)
    # manifold edges: exactly two half-edges share the key
    first = np.where(same & ~np.r_[same[1:], False] & ~np.r_[False, same[:-1]])[0]
    h1, h2 = order[first], order[first + 1]
    # orient h2 like h1: its end points in h1's order
    flip = ga[h2] != ga[h1]
    a2 = np.where(flip, b[h2], a[h2])
    b2 = np.where(flip, a[h2], b[h2])
    seam = (np.abs(uv[a[h1]] - uv[a2]).max(1) > 1e-6) | (np.abs(uv[b[h1]] - uv[b2]).max(1) > 1e-6)
    size = texture.shape[0]
    t = np.linspace(0.1, 0.9, samples)[None, :, None]

    def side(ea, eb, ec):
        p = uv[ea][:, None] + t * (uv[eb] - uv[ea])[:, None]  # (E, S, 2) along the edge
        p = p + inset * (uv[ec][:, None] - p)  # just inside the face
        pix = np.stack([p[..., 0] * size - 0.5, (1 - p[..., 1]) * size - 0.5], -1).reshape(-1, 2)
        return bilinear(texture, pix).reshape(len(ea), samples, -1)

    jump = np.abs(side(a[h1], b[h1], c[h1]) - side(a2, b2, c[h2])).mean((1, 2))
    mean = lambda x: float(x.mean()) if len(x) else float("nan")  # noqa: E731
    return mean(jump[seam]), mean(jump[~seam])


def background_color(views: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(3,) median colour of the views' pixels outside the object (white if there are none)."""
    bg = views[mask < 0.5]
    return np.median(bg, axis=0) if len(bg) else np.ones(3)


def textured_mesh_scores(ev, pipe, assets, n_meshes: int | None = None, schedule="shifted", steps: int = 20,
                         guidance: float = 3.0, seed: int = 0, opts=None, progress: bool = False) -> dict:
    """Texture the first `n_meshes` assets' meshes with `pipe` and score the textured meshes."""
    import torch

    from ..camera import orbit_camera
    from ..texture import TextureOptions, prepare_mesh, render_textured, texture_mesh
    from ..world.assets import MATERIALS
    from .metrics import image_scores

    opts = opts or TextureOptions()
    n = len(assets) if n_meshes is None else min(n_meshes, len(assets))
    setup, res = pipe.camera_setup, pipe.resolution
    renders, mats, psnrs, seams, inner, cover = [], [], [], [], [], []
    idx = range(n)
    if progress:
        from ..progress import track

        idx = track(list(idx), "texturing held-out meshes")
    for i in idx:
        uvm = prepare_mesh(assets.root / assets.ids[i] / "mesh.ply")
        r = texture_mesh(uvm, assets.captions[i], pipe, opts, seed=seed + i, schedule=schedule, steps=steps, guidance=guidance)
        cams = [orbit_camera(az, el, setup.distance, res, setup.fov_deg) for az, el in NOVEL_VIEWS]
        img, mask = render_textured(uvm, r.texture, cams)
        bg = background_color(r.views, r.mask)
        renders.append(img * mask[..., None] + bg * (1 - mask[..., None]))
        mats += [MATERIALS.index(assets.meta[i]["material"])] * len(cams)
        psnrs.append(r.measures["view_psnr"])
        s, k = seam_jumps(uvm, r.texture)
        seams.append(s)
        inner.append(k)
        cover.append(r.measures["texel_coverage"])
    x = torch.from_numpy(np.concatenate(renders)).permute(0, 3, 1, 2).float() * 2 - 1
    sc = image_scores(ev, x)
    return {"meshes": n, "textured_realism": float(sc["p_real"].mean()),
            "textured_material_accuracy": float((sc["material"] == torch.tensor(mats)).float().mean()),
            "textured_view_psnr": float(np.nanmean(psnrs)), "seam_color_jump": float(np.nanmean(seams)),
            "interior_color_jump": float(np.nanmean(inner)), "textured_coverage": float(np.mean(cover)),
            "_renders": x}

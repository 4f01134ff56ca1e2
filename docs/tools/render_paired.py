"""The paired render timings behind docs/benchmarks.md's texture row of 2026-12-01: 4 views at
512 px of the 100k-face torus, one Renderer, medians of 5 interleaved repeats.
(1) first hits through trimesh's intersects_location (before) against render.first_hits (now);
(2) the views cast on 1 thread against 2.

    python docs/tools/render_paired.py
"""
import time

import numpy as np
import trimesh

import realiz3d.render as R
from realiz3d.camera import orbit_cameras

mesh, _ = R.normalize_mesh(trimesh.creation.torus(1.0, 0.35, major_sections=400, minor_sections=125))
renderer = R.Renderer(mesh)
cams = orbit_cameras(4, elevation=20, resolution=512)
lean = R.first_hits
through_trimesh = lambda ray, tris, normals, o, d: ray.intersects_location(o, d, multiple_hits=False)  # noqa: E731


def paired(a, b):
    ts = {"a": [], "b": []}
    for _ in range(5):
        for k, f in (("a", a), ("b", b)):
            t = time.perf_counter()
            f()
            ts[k].append(time.perf_counter() - t)
    ratio = float(np.median(np.array(ts["b"]) / np.array(ts["a"])))
    return round(float(np.median(ts["a"])), 3), round(float(np.median(ts["b"])), 3), round(ratio, 3)


def with_hits(f):
    def run():
        R.first_hits = f
        renderer.render(cams)
    return run


print("first hits: trimesh / lean (s, s, ratio):", paired(with_hits(through_trimesh), with_hits(lean)))
R.first_hits = lean
print("threads: 1 / 2 (s, s, ratio):", paired(lambda: renderer.render(cams, threads=1), lambda: renderer.render(cams, threads=2)))

"""xatlas options on the bench-texture mesh (100k-face torus, the six-way split of realiz3d.texture.unwrap): time, charts, atlas share used. docs/benchmarks.md, row texture-unwrap."""
import time, sys
import numpy as np, trimesh, xatlas
mesh = trimesh.creation.torus(major_radius=1.0, minor_radius=0.35, major_sections=400, minor_sections=125)
fn = np.asarray(mesh.face_normals); axis = np.argmax(np.abs(fn), 1)
group = axis * 2 + (fn[np.arange(len(fn)), axis] > 0)
def run(co=None, po=None):
    t0 = time.perf_counter()
    atlas = xatlas.Atlas(); parts = []
    for g in range(6):
        fi = np.nonzero(group == g)[0]
        used, local = np.unique(mesh.faces[fi], return_inverse=True)
        atlas.add_mesh(np.asarray(mesh.vertices[used], np.float32), local.reshape(-1, 3).astype(np.uint32))
        parts.append(fi)
    t1 = time.perf_counter()
    atlas.generate(chart_options=co or xatlas.ChartOptions(), pack_options=po or xatlas.PackOptions())
    t2 = time.perf_counter()
    # UV area used / atlas area, charts
    uvarea = 0.0
    for i in range(len(parts)):
        vm, f, uv = atlas[i]
        tri = uv[f]; a = tri[:, 1] - tri[:, 0]; b = tri[:, 2] - tri[:, 0]
        uvarea += 0.5 * np.abs(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]).sum()
    return dict(add=round(t1 - t0, 3), generate=round(t2 - t1, 3), charts=atlas.chart_count, utilization=round(uvarea, 3), w=atlas.width, h=atlas.height)
def opts(**kw):
    co = xatlas.ChartOptions(); po = xatlas.PackOptions()
    for k, v in kw.items():
        setattr(co if hasattr(co, k) else po, k, v)
    return co, po
for name, kw in [("default", {}), ("blockAlign", dict(blockAlign=True)), ("no_rotate", dict(rotate_charts=False)),
                 ("res1024", dict(resolution=1024)), ("iter0", dict(max_iterations=0)),
                 ("blockAlign+res1024", dict(blockAlign=True, resolution=1024)), ("default_again", {})]:
    print(name, run(*opts(**kw)), flush=True)

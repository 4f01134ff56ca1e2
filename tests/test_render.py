import numpy as np
import pytest
import trimesh

from realiz3d.camera import Camera, look_at, orbit_camera, orbit_cameras, plucker
from realiz3d.render import MeshError, Renderer, first_hits, intersector, load_mesh, normalize_mesh


def test_sphere_normals_equal_position_directions():
    sphere = trimesh.creation.icosphere(subdivisions=5, radius=0.5)
    maps, _ = Renderer(sphere).render(orbit_cameras(4, elevation=25, resolution=32))
    inside = maps.mask > 0.999
    assert inside.sum() > 1000
    p = maps.position[inside] - 0.5  # back to object coordinates
    d = p / np.linalg.norm(p, axis=1, keepdims=True)
    cos = (d * maps.normal[inside]).sum(1)
    assert cos.min() > 0.999
    # off-object pixels are zero in every map
    out = maps.mask == 0
    assert np.all(maps.normal[out] == 0) and np.all(maps.position[out] == 0) and np.all(maps.depth[out] == 0)


def test_cube_faces_give_six_constant_normals():
    cube = trimesh.creation.box(extents=[1, 1, 1])
    axes = {(1, 0, 0): (90, 0), (-1, 0, 0): (270, 0), (0, 0, 1): (0, 0), (0, 0, -1): (180, 0), (0, 1, 0): (0, 90), (0, -1, 0): (0, -90)}
    seen = []
    for axis, (az, el) in axes.items():
        cam = orbit_camera(az, el, distance=3.0, resolution=16, fov_deg=0, ortho_scale=0.9)  # sees one face only
        maps, _ = Renderer(cube).render([cam])
        n = maps.normal[0][maps.mask[0] > 0.999]
        assert len(n) == 16 * 16
        np.testing.assert_allclose(n, np.broadcast_to(axis, n.shape), atol=1e-6)
        seen.append(axis)
    assert len(set(seen)) == 6


def test_depth_and_projection_agree_with_rays():
    sphere = trimesh.creation.icosphere(subdivisions=4, radius=0.5)
    cam = orbit_camera(30, 20, distance=2.5, resolution=24)
    maps, _ = Renderer(sphere).render([cam])
    rows, cols = np.nonzero(maps.mask[0] > 0.999)
    pts = maps.position[0][rows, cols] - 0.5
    pix, depth = cam.project(pts)
    np.testing.assert_allclose(pix[:, 0], cols, atol=1e-3)
    np.testing.assert_allclose(pix[:, 1], rows, atol=1e-3)
    np.testing.assert_allclose(depth, maps.depth[0][rows, cols], atol=1e-4)


def test_camera_round_trip_and_plucker():
    cam = orbit_camera(45, 30, 2.0, resolution=8)
    again = Camera.from_dict(cam.to_dict())
    np.testing.assert_allclose(again.c2w, cam.c2w)
    pl = plucker(cam)
    assert pl.shape == (6, 8, 8)
    np.testing.assert_allclose(np.linalg.norm(pl[:3], axis=0), 1, atol=1e-5)
    # the moment of a ray through the centre of an orbit camera is ~0 (the ray passes the origin)
    o, d = cam.rays()
    assert np.allclose((pl[:3] * pl[3:]).sum(0), 0, atol=1e-6)  # d . (o x d) == 0
    m = look_at([0, 3, 0])  # looking straight down stays well defined
    assert np.isfinite(m).all()


def test_normalize_off_centre_large_mesh_and_map_back():
    mesh = trimesh.creation.box(extents=[300, 100, 50])
    mesh.apply_translation([1e4, -5e3, 42])
    norm_mesh, norm = normalize_mesh(mesh)
    lo, hi = norm_mesh.bounds
    np.testing.assert_allclose((lo + hi) / 2, 0, atol=1e-9)
    assert abs((hi - lo).max() - 1) < 1e-9
    np.testing.assert_allclose(norm.invert(np.asarray(norm_mesh.vertices)), mesh.vertices, atol=1e-6)


def _write(path, data):
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


@pytest.mark.parametrize("name,content,match", [
    ("empty.obj", b"", "empty file"),
    ("text.obj", "this is not a mesh\nat all\n", "no (faces|triangle|vertices)|cannot be read"),
    ("points.ply", "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n1 0 0\n0 1 0\n", "point cloud|no faces"),
    ("nan.obj", "v 0 0 0\nv 1 0 0\nv nan 1 0\nf 1 2 3\n", "NaN or infinite"),
    ("inf.obj", "v 0 0 0\nv 1 0 0\nv inf 1 0\nf 1 2 3\n", "NaN or infinite"),
    ("degenerate.obj", "v 0 0 0\nv 1 0 0\nv 2 0 0\nf 1 2 3\n", "degenerate"),
    ("truncated.glb", b"glTF\x02\x00\x00\x00\xff\xff\x00\x00JSON", "cannot be read|no triangle"),
])
def test_bad_meshes_raise_clear_errors(tmp_path, name, content, match):
    path = _write(tmp_path / name, content)
    with pytest.raises(MeshError, match=match) as e:
        load_mesh(path)
    assert name in str(e.value)


def test_glb_scene_with_several_parts_is_merged(tmp_path):
    scene = trimesh.Scene()
    scene.add_geometry(trimesh.creation.box(), node_name="a")
    scene.add_geometry(trimesh.creation.icosphere(), node_name="b", transform=trimesh.transformations.translation_matrix([3, 0, 0]))
    path = tmp_path / "scene.glb"
    scene.export(path)
    mesh = load_mesh(path)
    assert len(mesh.faces) == 12 + len(trimesh.creation.icosphere().faces)
    assert mesh.bounds[1, 0] > 3.5


def test_face_limit(tmp_path):
    path = tmp_path / "big.ply"
    trimesh.creation.icosphere(subdivisions=3).export(path)
    with pytest.raises(MeshError, match="more than the limit"):
        load_mesh(path, max_faces=100)


def _grid_mesh(n):
    """An n x n height-field grid: 2 (n-1)^2 faces."""
    xs = np.linspace(0, 1, n)
    x, z = np.meshgrid(xs, xs)
    v = np.stack([x.ravel(), 0.05 * np.sin(8 * x.ravel()), z.ravel()], 1)
    i = np.arange(n * n).reshape(n, n)
    a, b, c, d = i[:-1, :-1].ravel(), i[:-1, 1:].ravel(), i[1:, :-1].ravel(), i[1:, 1:].ravel()
    f = np.concatenate([np.stack([a, c, b], 1), np.stack([b, c, d], 1)])
    return trimesh.Trimesh(v, f, process=False)


def test_two_million_faces(tmp_path):
    ok = tmp_path / "2m.ply"
    _grid_mesh(1001).export(ok)  # exactly 2,000,000 faces: at the limit, accepted
    mesh = load_mesh(ok)
    assert len(mesh.faces) == 2_000_000
    too_big = tmp_path / "2m_plus.ply"
    _grid_mesh(1002).export(too_big)  # 2,004,002 faces
    with pytest.raises(MeshError, match="2,004,002 faces, more than the limit of 2,000,000"):
        load_mesh(too_big)


@pytest.mark.parametrize("make", [lambda: trimesh.creation.torus(1.0, 0.35, major_sections=60, minor_sections=30),
                                  trimesh.creation.box, lambda: trimesh.creation.annulus(0.2, 0.4, 0.3)])
def test_first_hits_equal_trimesh(make):
    """The lean first-hit cast gives trimesh's own locations, rays and triangles, bit for bit
    (the world's maps must not change with it), misses included."""
    mesh, _ = normalize_mesh(make())
    ray = intersector(mesh)
    hits = rays = 0
    for cam in orbit_cameras(4, elevation=20, resolution=48) + [orbit_camera(0, 90, resolution=48)]:
        o, d = (a.reshape(-1, 3) for a in cam.rays())
        ref = ray.intersects_location(o, d, multiple_hits=False)
        got = first_hits(ray, np.asarray(mesh.triangles), np.asarray(mesh.face_normals), o, d)
        for a, b in zip(ref, got):
            assert np.array_equal(a, b)
        hits, rays = hits + len(ref[1]), rays + len(o)
    assert 0 < hits < rays


def test_threaded_render_equals_one_thread():
    mesh, _ = normalize_mesh(trimesh.creation.torus(1.0, 0.35, major_sections=60, minor_sections=30))
    cams = orbit_cameras(4, elevation=20, resolution=40)
    one, hits1 = Renderer(mesh).render(cams, supersample=2)
    two, hits2 = Renderer(mesh).render(cams, supersample=2, threads=2)
    for k in ("normal", "position", "mask", "depth"):
        assert np.array_equal(getattr(one, k), getattr(two, k))
    assert all(np.array_equal(a.faces, b.faces) for a, b in zip(hits1, hits2))

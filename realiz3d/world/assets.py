"""Procedural assets of the built-in world: 12 kinds of object x 10 materials.

Each kind is a small composition of trimesh primitives with random proportions, built in
a canonical pose (upright, +Y up, "front" towards +Z, e.g. a mug's handle on +X) with a
small random yaw, so that view angles stay meaningful. Every kind shows its front the same
way: its front half is painted in a contrasting colour (world/shading.py), so that even the
kinds whose shape is the same from every side (vase, bowl, bottle, ...) look different from
each azimuth. Captions are "a <material> <kind>".

The held-out split is a fixed set of 40 (kind, material) pairs that training never sees;
every kind and every material still occurs in training with other partners.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh
from trimesh import creation as C
from trimesh import transformations as T
from ..errors import InputError

KINDS = ["mug", "table", "lamp", "mushroom", "snowman", "vase", "chair", "bowl", "bottle", "donut", "house", "tree"]
MATERIALS = ["brick", "grass", "gravel", "wood", "fur", "starry", "speckled", "coral", "newspaper", "marble"]


def _held_out_pairs() -> frozenset[tuple[str, str]]:
    pairs = set()
    for k in range(len(KINDS)):
        for j in range(3 + (k < 4)):
            pairs.add((KINDS[k], MATERIALS[(3 * k + j) % len(MATERIALS)]))
    return frozenset(pairs)


HELD_OUT = _held_out_pairs()
TRAIN_PAIRS = sorted((k, m) for k in KINDS for m in MATERIALS if (k, m) not in HELD_OUT)
HELD_OUT_PAIRS = sorted(HELD_OUT)
assert len(HELD_OUT_PAIRS) == 40


def caption(kind: str, material: str) -> str:
    return f"a {material} {kind}"


def _at(mesh, x=0.0, y=0.0, z=0.0):
    mesh.apply_translation([x, y, z])
    return mesh


def _cyl(r, h, y0=0.0, sections=28, **kw):
    """Upright cylinder (trimesh's is along Z) standing on y0."""
    cyl = C.cylinder(radius=r, height=h, sections=sections)
    cyl.apply_transform(T.rotation_matrix(-np.pi / 2, [1, 0, 0]))
    return _at(cyl, y=y0 + h / 2, **kw)


def _revolve(profile, sections=32):
    """Revolve a (r, y) polyline around +Y."""
    prof = np.asarray(profile, dtype=float)
    m = C.revolve(prof, sections=sections)  # revolves around Z: (r, z)
    m.apply_transform(T.rotation_matrix(-np.pi / 2, [1, 0, 0]))  # Z -> Y
    return m


def _sphere(r, y, x=0.0, z=0.0, sub=3):
    return _at(C.icosphere(subdivisions=sub, radius=r), x, y, z)


def _box(ex, ey, ez, x=0.0, y=0.0, z=0.0):
    return _at(C.box(extents=[ex, ey, ez]), x, y + ey / 2, z)


def build_kind(kind: str, rng: np.random.Generator) -> trimesh.Trimesh:
    return build_kind_posed(kind, rng)[0]


# The parts of each kind in its canonical pose (front along +Z); u(a, b) draws a size uniformly.


def _mug(u) -> list[trimesh.Trimesh]:
    parts: list[trimesh.Trimesh] = []
    r, h = u(0.3, 0.45), u(0.6, 1.0)
    parts.append(_revolve([[0, 0], [r, 0], [r, h], [r * 0.9, h], [r * 0.9, 0.05], [0, 0.05]]))
    handle = C.torus(major_radius=h * 0.25, minor_radius=0.05 * h / 0.8, major_sections=24, minor_sections=10)
    parts.append(_at(handle, x=r, y=h / 2))
    return parts


def _table(u) -> list[trimesh.Trimesh]:
    parts: list[trimesh.Trimesh] = []
    w, d, h, t = u(0.9, 1.4), u(0.6, 1.0), u(0.5, 0.9), u(0.05, 0.1)
    parts.append(_box(w, t, d, y=h - t))
    lr = u(0.03, 0.07)
    for sx in (-1, 1):
        for sz in (-1, 1):
            parts.append(_cyl(lr, h - t, x=sx * (w / 2 - 2 * lr), z=sz * (d / 2 - 2 * lr), sections=12))
    return parts


def _lamp(u) -> list[trimesh.Trimesh]:
    parts: list[trimesh.Trimesh] = []
    h, br, sr = u(0.9, 1.5), u(0.2, 0.35), u(0.3, 0.5)
    parts.append(_cyl(br, 0.06))
    parts.append(_cyl(0.03, h, sections=12))
    shade = _revolve([[0.001, h + 0.35], [sr * 0.55, h + 0.35], [sr, h - 0.05], [0.001, h - 0.05]])
    parts.append(shade)
    return parts


def _mushroom(u) -> list[trimesh.Trimesh]:
    parts: list[trimesh.Trimesh] = []
    sh, sr, cr = u(0.3, 0.7), u(0.08, 0.18), u(0.35, 0.6)
    parts.append(_cyl(sr, sh, sections=20))
    ch = cr * u(0.5, 0.8)
    a = np.linspace(0, np.pi / 2, 12)
    prof = [[0.001, 0.0]] + [[cr * np.cos(t), ch * np.sin(t)] for t in a[:-1]] + [[0.001, ch]]
    parts.append(_at(_revolve(prof), y=sh * 0.95))
    return parts


def _snowman(u) -> list[trimesh.Trimesh]:
    parts: list[trimesh.Trimesh] = []
    r1, r2, r3 = u(0.35, 0.45), u(0.25, 0.32), u(0.16, 0.22)
    parts += [_sphere(r1, r1), _sphere(r2, 2 * r1 + r2 * 0.8), _sphere(r3, 2 * r1 + 1.6 * r2 + r3 * 0.8)]
    nose = C.cone(radius=0.04, height=0.18, sections=12)
    parts.append(_at(nose, y=2 * r1 + 1.6 * r2 + r3 * 0.8, z=r3 * 0.9))
    return parts


def _vase(u) -> list[trimesh.Trimesh]:
    parts: list[trimesh.Trimesh] = []
    h, rb, rm, rn = u(0.9, 1.4), u(0.15, 0.25), u(0.3, 0.45), u(0.1, 0.18)
    parts.append(_revolve([[0.001, 0], [rb, 0], [rm, h * 0.4], [rn, h * 0.85], [rn * 1.3, h], [0.001, h]]))
    return parts


def _chair(u) -> list[trimesh.Trimesh]:
    parts: list[trimesh.Trimesh] = []
    s, h, bh = u(0.6, 0.8), u(0.4, 0.55), u(0.5, 0.8)
    parts.append(_box(s, 0.06, s, y=h))
    parts.append(_box(s, bh, 0.06, y=h, z=-s / 2 + 0.03))
    for sx in (-1, 1):
        for sz in (-1, 1):
            parts.append(_box(0.06, h, 0.06, x=sx * (s / 2 - 0.03), z=sz * (s / 2 - 0.03)))
    return parts


def _bowl(u) -> list[trimesh.Trimesh]:
    parts: list[trimesh.Trimesh] = []
    r, h = u(0.5, 0.7), u(0.25, 0.45)
    parts.append(_revolve([[0.001, 0], [r * 0.5, 0], [r, h], [r * 0.93, h], [r * 0.45, 0.06], [0.001, 0.06]]))
    return parts


def _bottle(u) -> list[trimesh.Trimesh]:
    parts: list[trimesh.Trimesh] = []
    r, h, nh = u(0.2, 0.3), u(0.6, 0.9), u(0.25, 0.4)
    parts.append(_revolve([[0.001, 0], [r, 0], [r, h], [r * 0.35, h + nh * 0.4], [r * 0.35, h + nh], [0.001, h + nh]]))
    return parts


def _donut(u) -> list[trimesh.Trimesh]:
    parts: list[trimesh.Trimesh] = []
    R, r = u(0.35, 0.45), u(0.12, 0.2)
    d = C.torus(major_radius=R, minor_radius=r, major_sections=32, minor_sections=16)
    d.apply_transform(T.rotation_matrix(np.pi / 2 - u(0.0, 0.4), [1, 0, 0]))  # lying flat, tilted a little
    parts.append(_at(d, y=r))
    return parts


def _house(u) -> list[trimesh.Trimesh]:
    parts: list[trimesh.Trimesh] = []
    w, d, h = u(0.7, 1.0), u(0.6, 0.9), u(0.4, 0.7)
    parts.append(_box(w, h, d))
    rh = u(0.3, 0.5)
    roof = trimesh.Trimesh(
        vertices=[[-w / 2 - 0.05, h, -d / 2 - 0.05], [w / 2 + 0.05, h, -d / 2 - 0.05], [w / 2 + 0.05, h, d / 2 + 0.05],
                  [-w / 2 - 0.05, h, d / 2 + 0.05], [0, h + rh, -d / 2 - 0.05], [0, h + rh, d / 2 + 0.05]],
        faces=[[0, 1, 4], [3, 5, 2], [0, 4, 5], [0, 5, 3], [1, 2, 5], [1, 5, 4], [0, 3, 2], [0, 2, 1]],
    )
    roof.fix_normals()
    parts.append(roof)
    parts.append(_box(w * 0.2, h * 0.55, 0.03, z=d / 2))
    return parts


def _tree(u) -> list[trimesh.Trimesh]:
    parts: list[trimesh.Trimesh] = []
    th, tr, ch, cr = u(0.25, 0.45), u(0.06, 0.1), u(0.6, 1.0), u(0.3, 0.45)
    parts.append(_cyl(tr, th, sections=14))
    for i in range(2):
        cone = C.cone(radius=cr * (1 - 0.3 * i), height=ch * 0.7, sections=24)
        cone.apply_transform(T.rotation_matrix(-np.pi / 2, [1, 0, 0]))
        parts.append(_at(cone, y=th + i * ch * 0.35))
    return parts

_KIND_PARTS = {"mug": _mug, "table": _table, "lamp": _lamp, "mushroom": _mushroom, "snowman": _snowman, "vase": _vase, "chair": _chair, "bowl": _bowl, "bottle": _bottle, "donut": _donut, "house": _house, "tree": _tree}


def build_kind_posed(kind: str, rng: np.random.Generator) -> tuple[trimesh.Trimesh, float]:
    """The mesh of a kind in its canonical pose turned by a small random yaw, and that yaw
    (radians about +Y; the front, +Z before the turn, points along (sin yaw, 0, cos yaw))."""
    if kind not in _KIND_PARTS:
        raise InputError(f"unknown object kind {kind!r}: expected one of {KINDS}")
    parts = _KIND_PARTS[kind](lambda a, b: float(rng.uniform(a, b)))
    mesh = trimesh.util.concatenate(parts)
    yaw = np.radians(rng.uniform(-15, 15))
    mesh.apply_transform(T.rotation_matrix(yaw, [0, 1, 0]))
    return mesh, float(yaw)


def front_azimuth(front: np.ndarray) -> float:
    """The azimuth (degrees, the camera convention of realiz3d.camera) a front direction points to."""
    return float(np.degrees(np.arctan2(front[0], front[2])))


@dataclass
class Asset:
    id: str
    kind: str
    material: str
    seed: int

    @property
    def caption(self) -> str:
        return caption(self.kind, self.material)

    def mesh(self) -> trimesh.Trimesh:
        return self.posed()[0]

    def posed(self) -> tuple[trimesh.Trimesh, np.ndarray]:
        """The normalised mesh and its front direction (unit, in the mesh's coordinates)."""
        from ..render import normalize_mesh

        mesh, yaw = build_kind_posed(self.kind, np.random.default_rng(self.seed))
        mesh, _ = normalize_mesh(mesh)
        return mesh, np.array([np.sin(yaw), 0.0, np.cos(yaw)])


def sample_assets(n: int, split: str, seed: int) -> list[Asset]:
    """n assets of a split ('train' pairs or 'heldout' pairs), cycling through the pairs
    so that every pair is covered evenly, with per-asset proportions from the seed."""
    pairs = TRAIN_PAIRS if split == "train" else HELD_OUT_PAIRS
    rng = np.random.default_rng([seed, 0 if split == "train" else 1])
    order = rng.permutation(len(pairs))
    out = []
    for i in range(n):
        if i % len(pairs) == 0 and i:
            order = rng.permutation(len(pairs))
        k, m = pairs[order[i % len(pairs)]]
        out.append(Asset(f"{split}-{i:05d}", k, m, int(rng.integers(2**31))))
    return out

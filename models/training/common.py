"""Shared maths and paths for the student's training code.

Conventions (the same as src/core/types.ts and src/core/sh.ts, so the student and the renderer agree):
- Normals are camera space: +x = image right, +y = image up, +z = toward the camera, unit length.
- SH: 9 real coefficients per colour channel, band order (0,0) (1,-1) (1,0) (1,1) (2,-2) (2,-1) (2,0) (2,1) (2,2).
  "Irradiance SH" is radiance SH already multiplied by the clamped-cosine weights (A0=pi, A1=2pi/3, A2=pi/4), so
  E(n) = sum_k c_k Y_k(n) and a Lambertian pixel is albedo * E(n) / pi (linear light).
- Images are sRGB-encoded in [0, 1] at the model's input; photometric losses work in linear light.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import random
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
TRAINING_DIR = REPO_ROOT / 'models' / 'training'
PRIORS_DIR = TRAINING_DIR / 'cache' / 'priors'
MANIFEST_PATH = TRAINING_DIR / 'data_manifest.json'
DEFAULT_PACK = REPO_ROOT / '.traindata' / 'pack.npz'


def data_dir() -> Path:
    """The shared data folder: $RELIGHT_DATA, else ../shared/data beside the repo (as tests/support/env.ts)."""
    return (REPO_ROOT / os.environ.get('RELIGHT_DATA', '../shared/data')).resolve()


# ---------------------------------------------------------------------------------------------------------------
# Reproducibility

def seed_everything(seed: int) -> None:
    import torch
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def sha256_file(path: Path | str) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1, sort_keys=False) + '\n')


# ---------------------------------------------------------------------------------------------------------------
# Colour

def srgb_to_linear(x):
    """Works on numpy arrays and torch tensors (IEC 61966-2-1)."""
    if isinstance(x, np.ndarray):
        return np.where(x <= 0.04045, x / 12.92, ((np.clip(x, 0, None) + 0.055) / 1.055) ** 2.4)
    import torch
    return torch.where(x <= 0.04045, x / 12.92, ((x.clamp(min=0) + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(x):
    if isinstance(x, np.ndarray):
        x = np.clip(x, 0, None)
        return np.where(x <= 0.0031308, x * 12.92, 1.055 * x ** (1 / 2.4) - 0.055)
    import torch
    x = x.clamp(min=0)
    return torch.where(x <= 0.0031308, x * 12.92, 1.055 * x.clamp(min=1e-8) ** (1 / 2.4) - 0.055)


# ---------------------------------------------------------------------------------------------------------------
# Spherical harmonics (numpy and torch versions of the same basis)

SH_C = (0.282095, 0.488603, 1.092548, 0.315392, 0.546274)
SH_BAND_A = (math.pi, 2 * math.pi / 3, math.pi / 4)
SH_BAND_OF = (0, 1, 1, 1, 2, 2, 2, 2, 2)


def sh_basis_np(n: np.ndarray) -> np.ndarray:
    """n: (..., 3) unit vectors -> (..., 9) basis values."""
    x, y, z = n[..., 0], n[..., 1], n[..., 2]
    c0, c1, c2, c3, c4 = SH_C
    return np.stack([
        np.full_like(x, c0), c1 * y, c1 * z, c1 * x,
        c2 * x * y, c2 * y * z, c3 * (3 * z * z - 1), c2 * x * z, c4 * (x * x - y * y)], -1)


def sh_basis_torch(n):
    """n: (B, 3, H, W) -> (B, 9, H, W)."""
    import torch
    x, y, z = n[:, 0], n[:, 1], n[:, 2]
    c0, c1, c2, c3, c4 = SH_C
    return torch.stack([
        torch.full_like(x, c0), c1 * y, c1 * z, c1 * x,
        c2 * x * y, c2 * y * z, c3 * (3 * z * z - 1), c2 * x * z, c4 * (x * x - y * y)], 1)


def irradiance_torch(n, sh):
    """n: (B,3,H,W) unit normals; sh: (B,9,3) irradiance SH -> (B,3,H,W) irradiance E(n)."""
    import torch
    return torch.einsum('bkhw,bkc->bchw', sh_basis_torch(n), sh)


def directional_irradiance_sh(d: np.ndarray, rgb=(1.0, 1.0, 1.0)) -> np.ndarray:
    """Irradiance SH (9, 3) of a distant directional light of radiance-integral `rgb` from unit direction d."""
    y = sh_basis_np(np.asarray(d, np.float64))
    a = np.array([SH_BAND_A[SH_BAND_OF[k]] for k in range(9)])
    return (a * y)[:, None] * np.asarray(rgb, np.float64)[None, :]


def equirect_to_irradiance_sh(env: np.ndarray) -> np.ndarray:
    """Equirectangular linear RGB map (H, W, 3), +y up, u=0 at azimuth -pi -> irradiance SH (9, 3).

    Projection with solid-angle weights, then the clamped-cosine convolution (Ramamoorthi & Hanrahan 2001).
    """
    h, w, _ = env.shape
    theta = (np.arange(h) + 0.5) / h * math.pi            # polar angle from +y
    phi = (np.arange(w) + 0.5) / w * 2 * math.pi - math.pi
    st, ct = np.sin(theta)[:, None], np.cos(theta)[:, None]
    dirs = np.stack([st * np.sin(phi)[None, :], np.broadcast_to(ct, (h, w)), st * np.cos(phi)[None, :]], -1)
    d_omega = (math.pi / h) * (2 * math.pi / w) * np.broadcast_to(st, (h, w))
    basis = sh_basis_np(dirs)                              # (h, w, 9)
    rad = np.einsum('hwk,hwc,hw->kc', basis, env.astype(np.float64), d_omega)
    a = np.array([SH_BAND_A[SH_BAND_OF[k]] for k in range(9)])
    return rad * a[:, None]


def rotate_sh(sh: np.ndarray, rot: np.ndarray, n_dirs: int = 256, seed: int = 0) -> np.ndarray:
    """Rotates SH (9, C) by the 3x3 rotation `rot` (the light moves with rot): c' so that f'(d) = f(rot^T d).

    Band-2 SH are closed under rotation, so a least-squares refit from enough directions is exact.
    """
    rng = np.random.default_rng(seed)
    d = rng.normal(size=(n_dirs, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    b_new = sh_basis_np(d)
    b_old = sh_basis_np(d @ rot)                           # rows are rot^T d
    vals = b_old @ sh
    c, *_ = np.linalg.lstsq(b_new, vals, rcond=None)
    return c


def rotation_matrix(yaw: float, pitch: float, roll: float = 0.0) -> np.ndarray:
    cy, sy, cp, sp, cr, sr = math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch), math.cos(roll), math.sin(roll)
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return rz @ rx @ ry


def fit_sh_np(normals: np.ndarray, values: np.ndarray, weights: np.ndarray, ridge: float = 1e-3) -> np.ndarray:
    """Weighted ridge least squares: values (P, C) ~ basis(normals) @ c -> c (9, C)."""
    b = sh_basis_np(normals)
    bw = b * weights[:, None]
    ata = b.T @ bw + ridge * np.eye(9) * max(weights.sum(), 1.0) / max(len(weights), 1)
    atb = bw.T @ values
    return np.linalg.solve(ata, atb)


def normals_from_png(img: np.ndarray) -> np.ndarray:
    """RGB8 (H, W, 3) with n*0.5+0.5 -> float normals, renormalised. Unknown pixels are (0,0,0) in the dump-priors
    format (a real camera-facing normal has blue >= 128) or mid-grey (zero vector): both become zero."""
    n = img.astype(np.float32) / 255.0 * 2.0 - 1.0
    ln = np.linalg.norm(n, axis=-1, keepdims=True)
    ok = (ln > 0.5) & (img[..., 2:3] >= 128)
    return np.where(ok, n / np.maximum(ln, 1e-6), 0.0).astype(np.float32)

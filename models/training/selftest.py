"""Checks of the training maths that would otherwise fail silently. Exit code 1 on any failure.

    /usr/bin/python3 models/training/selftest.py [--pack .traindata/pack.npz]

- warp(): normals rotated/flipped with the image agree with normals recomputed from the warped height field
- SH transform under flip/rotation keeps E(n) consistent with the warped normals
- PAL aligns an affinely distorted copy back to the target; unaligned error stays
- SH least-squares fit recovers a known light; rotate_sh matches direct evaluation
- JPEG-like degradation: quality 100 is near identity, quality 10 is not
- the pack's Yale normals are in camera space (+x image right): re-rendered with the file-name light direction they
  correlate with the photos, and the mirrored convention does not
- the priors loader reads a cache written in the dump-priors format
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from augment import _transform_sh, jpeg_like, warp  # noqa: E402
from common import (DEFAULT_PACK, fit_sh_np, irradiance_torch, rotate_sh, rotation_matrix, sh_basis_np)  # noqa: E402
from losses import pal_align  # noqa: E402
from sources import load_priors_manifest  # noqa: E402

FAILS: list[str] = []


def ok(cond: bool, what: str, detail: str = '') -> None:
    print(('PASS ' if cond else 'FAIL ') + what + (f'  ({detail})' if detail else ''))
    if not cond:
        FAILS.append(what)


def normals_from_height(h: torch.Tensor) -> torch.Tensor:
    """h (B,1,H,W), y down in rows; camera normal ~ (-dh/dx, +dh/dy_rows, 1) since image y points down."""
    dx = (h[..., :, 2:] - h[..., :, :-2]) / 2
    dy = (h[..., 2:, :] - h[..., :-2, :]) / 2
    dx = torch.nn.functional.pad(dx, (1, 1, 0, 0), mode='replicate')
    dy = torch.nn.functional.pad(dy, (0, 0, 1, 1), mode='replicate')
    n = torch.cat([-dx, dy, torch.ones_like(dx)], 1)
    return n / n.norm(dim=1, keepdim=True)


def test_warp() -> None:
    s = 96
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, 2 * s), torch.linspace(-1, 1, 2 * s), indexing='ij')
    # Asymmetric bumps (no rotation/flip symmetry).
    h = 25 * torch.exp(-((xx - 0.3) ** 2 + (yy + 0.2) ** 2) / 0.08) + 12 * torch.exp(-((xx + 0.35) ** 2 + (yy - 0.3) ** 2) / 0.03) \
        + 8 * xx * yy
    h = h[None, None]
    for rot_deg, flip in ((0, True), (15, False), (-20, True), (90, False)):
        rot = torch.tensor([math.radians(rot_deg)])
        fl = torch.tensor([flip])
        scale = torch.tensor([1.0])
        shift = torch.zeros(1, 2)
        n_in = normals_from_height(h)
        src = {'normal': n_in, 'w_face': torch.ones(1, 1, 2 * s, 2 * s), 'w_sil': torch.ones(1, 1, 2 * s, 2 * s),
               'w_ps': torch.ones(1, 1, 2 * s, 2 * s), 'w_alb': torch.ones(1, 1, 2 * s, 2 * s), 'h': h}
        out = warp(src, s, scale, rot, fl, shift)
        # The height field resampled to s px: slopes in pixel units double, so scale heights by 1/2.
        n_ref = normals_from_height(out['h'] * 0.5)
        inner = (slice(None), slice(None), slice(s // 4, 3 * s // 4), slice(s // 4, 3 * s // 4))
        cos = (out['normal'] * n_ref).sum(1)[inner[0], inner[2], inner[3]]
        err = torch.rad2deg(torch.acos(cos.clamp(-1, 1))).median().item()
        ok(err < 3.0, f'warp normals rot={rot_deg} flip={flip}', f'median angle {err:.2f} deg')
        # SH consistency: shading computed before the warp, then warped == shading of warped normals/SH.
        sh = torch.from_numpy(np.random.default_rng(1).normal(size=(1, 9, 3)).astype(np.float32))
        sh[:, 0] += 3
        e_in = irradiance_torch(n_in, sh)
        e_warp = warp({'normal': n_in, 'e': e_in, 'w_face': src['w_face'], 'w_sil': src['w_sil'],
                       'w_ps': src['w_ps'], 'w_alb': src['w_alb']}, s, scale, rot, fl, shift)['e']
        e_out = irradiance_torch(out['normal'], _transform_sh(sh, rot, fl))
        d = (e_warp - e_out)[inner].abs().median().item()
        ok(d < 0.05, f'SH follows the warp rot={rot_deg} flip={flip}', f'median |dE| {d:.4f}')


def test_pal() -> None:
    g = torch.Generator().manual_seed(0)
    t = torch.rand(2, 3, 16, 16, generator=g)
    a = torch.tensor([[0.7, 0.1, 0.0], [0.05, 1.3, 0.1], [0.0, -0.1, 0.9]])
    p = torch.einsum('ij,bjhw->bihw', torch.linalg.inv(a), t - 0.2)
    w = torch.ones(2, 1, 16, 16)
    al = pal_align(p, t, w, ridge=1e-6)
    ok((al - t).abs().max().item() < 1e-3, 'PAL recovers an affine colour distortion', f'{(al - t).abs().max().item():.2e}')
    ok((p - t).abs().mean().item() > 0.05, 'unaligned error remains for the distorted copy')
    # Grey target from colour prediction (Yale albedo): still well-defined.
    al2 = pal_align(p, t.mean(1, keepdim=True), w)
    ok(al2.shape == (2, 1, 16, 16) and torch.isfinite(al2).all().item(), 'PAL colour -> grey target')


def test_sh() -> None:
    rng = np.random.default_rng(3)
    sh = rng.normal(size=(9, 3))
    n = rng.normal(size=(4000, 3))
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    vals = sh_basis_np(n) @ sh
    fit = fit_sh_np(n, vals, np.ones(len(n)), ridge=1e-8)
    ok(np.abs(fit - sh).max() < 1e-3, 'SH fit recovers a known light')
    rot = rotation_matrix(0.7, -0.3, 0.2)
    shr = rotate_sh(sh, rot)
    d = n[:50]
    direct = sh_basis_np(d @ rot) @ sh                      # f(rot^T d)
    ok(np.abs(sh_basis_np(d) @ shr - direct).max() < 1e-6, 'rotate_sh matches direct evaluation')


def test_jpeg() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.nn.functional.interpolate(torch.rand(2, 3, 8, 8, generator=g), size=(64, 64), mode='bilinear', align_corners=False)
    hi = (jpeg_like(x, torch.tensor([100.0, 100.0])) - x).abs().mean().item()
    lo = (jpeg_like(x, torch.tensor([10.0, 10.0])) - x).abs().mean().item()
    ok(hi < 0.02 and lo > hi * 1.5, 'JPEG-like degradation', f'q100 {hi:.4f}, q10 {lo:.4f}')


def test_yale_pack(pack: Path) -> None:
    if not pack.exists():
        print(f'SKIP Yale convention: no pack at {pack}')
        return
    z = np.load(pack)
    n = z['yale_normal'][0].astype(np.float32).transpose(1, 2, 0)
    v = z['yale_valid'][0] > 0
    a = z['yale_albedo'][0].astype(np.float32) / 255
    subj = z['yale_img_subject']
    light = z['yale_img_light']
    cs, cm = [], []
    for i in np.nonzero(subj == 0)[0][:40]:
        az, el = np.radians(light[i, 0]), np.radians(light[i, 1])
        im = z['yale_img'][i].astype(np.float32)
        # +azimuth lights the subject's right = image left = camera -x.
        l_cam = np.array([-math.sin(az) * math.cos(el), math.sin(el), math.cos(az) * math.cos(el)])
        l_mir = l_cam * np.array([-1, 1, 1])
        for l, acc in ((l_cam, cs), (l_mir, cm)):
            r = np.maximum(n @ l, 0) * a
            acc.append(np.corrcoef(r[v], im[v])[0, 1])
    ok(np.mean(cs) > 0.85 and np.mean(cs) > np.mean(cm) + 0.3, 'Yale normals are camera space (+x right)',
       f'corr {np.mean(cs):.3f} vs mirrored {np.mean(cm):.3f}')


def test_priors_loader() -> None:
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        n = np.zeros((256, 256, 3), np.float32)
        n[..., 2] = 1
        for pid in ('clipA_f000', 'clipA_f001', 'london_001'):
            cv2.imwrite(str(d / f'{pid}_rgb.png'), np.full((256, 256, 3), 120, np.uint8))
            cv2.imwrite(str(d / f'{pid}_normal.png'), ((n * 0.5 + 0.5) * 255).astype(np.uint8)[..., ::-1])
            for k in ('conf_face', 'conf_sil', 'mask'):
                cv2.imwrite(str(d / f'{pid}_{k}.png'), np.full((256, 256), 255, np.uint8))
        (d / 'manifest.json').write_text(json.dumps({'items': [
            {'id': 'clipA_f000', 'source': 'videos/grid/a.mpg', 'sha256': 'x', 'clip': 'a', 'frame': 0},
            {'id': 'clipA_f001', 'source': 'videos/grid/a.mpg', 'sha256': 'x', 'clip': 'a', 'frame': 1},
            {'id': 'london_001', 'source': 'portraits/neutral_front/001_03.jpg', 'sha256': 'y'},
            {'id': 'missing', 'source': 'portraits/x.jpg', 'sha256': 'z'}]}))
        items = load_priors_manifest(d)
        ok(len(items) == 3 and items[0].group == 'clip:a' and items[2].group == 'london:001',
           'priors loader reads the dump-priors format', f'{[(i.id, i.group) for i in items]}')


def test_upsamplers() -> None:
    """The bilinear/nearest upsamplers and the ConvTranspose -> 1x1 conversion used to fine-tune old checkpoints."""
    from model import StudentNet, UpHead, load_compatible, up2
    torch.manual_seed(3)
    # nearest head == 1x1 conv then nearest x2 (it is computed as a phase-tied ConvTranspose for ORT-wasm's sake)
    h = UpHead(12, 8, 'nearest')
    x = torch.randn(2, 12, 9, 7)
    ref = F.interpolate(h.p(x), scale_factor=2.0, mode='nearest')
    ok(torch.allclose(h(x), ref, atol=1e-5), 'nearest head = 1x1 conv + nearest x2', f'{float((h(x) - ref).abs().max()):.2e}')
    # bilinear x2 keeps a ramp a ramp (shift-equivariant interpolation, the point of the change)
    ramp = torch.arange(16.0).view(1, 1, 1, 16).expand(1, 1, 4, 16)
    u = up2(ramp)[0, 0, 1, 2:-2]
    ok(torch.allclose(u[1:] - u[:-1], torch.full_like(u[1:], 0.5)), 'bilinear x2 of a ramp is a ramp')
    # converting a ConvTranspose checkpoint: the 1x1 conv is the phase mean, so each upsampler's output has the same
    # spatial mean as before (away from the borders) and the network loads without missing keys
    old = StudentNet().eval()
    new = StudentNet(up='bilinear').eval()
    conv = load_compatible(new, old.state_dict())
    ok(sorted(conv) == ['u0.p.weight', 'u1.p.weight', 'u2.p.weight', 'uh.p.bias', 'uh.p.weight'], 'converted keys', str(conv))
    y = torch.randn(1, 64, 8, 8)
    a = old.u2.b(old.u2.t(y)).mean(dim=(2, 3))
    b = up2(new.u2.b(new.u2.p(y))).mean(dim=(2, 3))
    ok(torch.allclose(a, b, atol=0.05 * float(a.abs().max())), 'converted upsampler keeps the spatial mean',
       f'{float((a - b).abs().max()):.3e}')


def test_portrait_groups() -> None:
    """calibrate_albedo's skin-tone labels: a set's table found by its face ids, multi-group answers -> 'mixed',
    sets whose names share a prefix kept apart, unmatched sets and video frames left out."""
    import tempfile
    from calibrate_albedo import portrait_groups
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for d in ('info', 'front', 'front_smile', 'other'):
            (root / 'portraits' / d).mkdir(parents=True)
        (root / 'portraits' / 'info' / 'lab_info.csv').write_text('face_id,face_age,face_eth\n001,20,black\n002,30,east_asian/white\n')
        (root / 'portraits' / 'info' / 'x_info.csv').write_text('face_id,face_age\n001,20\n')
        ids = ['p_front_001_03', 'p_front_smile_002_08', 'p_front_003_03', 'p_other_a', 'v_clip_0001']
        groups, source = portrait_groups(root, ids)
        ok(groups == {0: 'black', 1: 'mixed'}, 'portrait groups', str(groups))
        ok(source == 'portraits/info/lab_info.csv', 'portrait group source', str(source))
        ok(portrait_groups(root / 'absent', ids) == ({}, None), 'portrait groups without data')


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--pack', type=Path, default=DEFAULT_PACK)
    args = ap.parse_args()
    torch.set_num_threads(1)
    test_warp()
    test_pal()
    test_sh()
    test_jpeg()
    test_yale_pack(args.pack)
    test_priors_loader()
    test_upsamplers()
    test_portrait_groups()
    print(f'{len(FAILS)} failure(s)' if FAILS else 'all passed')
    sys.exit(1 if FAILS else 0)


if __name__ == '__main__':
    main()

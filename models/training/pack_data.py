"""Packs the manifest's source files into one .npz that training reads (and that travels to a GPU machine, which has
no ../shared/data). Every file's sha256 is checked against data_manifest.json first.

    /usr/bin/python3 models/training/pack_data.py [--out .traindata/pack.npz] [--prior-size 128]

Contents (uint8 unless noted; images channel-first):
- yale_normal (S,3,H,W) f16 camera space; yale_albedo, yale_valid (S,H,W); yale_split (S,) 0=train 1=eval
- yale_img (NI,H,W) linear 8-bit intensity; yale_img_subject (NI,); yale_img_light (NI,2) azimuth/elevation deg;
  yale_img_sh (NI,9) f32 grey irradiance SH fitted to I / albedo with the PS normals
- prior_rgb (N,3,P,P) sRGB; prior_normal (N,3,P,P) n*0.5+0.5; prior_conf_face, prior_conf_sil, prior_mask (N,P,P);
  prior_sh (N,9,3) f32 irradiance SH fitted to the linear image with the prior normals (albedo folded in);
  prior_split (N,) 0=train 1=val; prior_pairs (M,2) indices of consecutive video frames (same clip)
- light_bank (L,9,3) f32 random irradiance SH: rotated Poly Haven HDRIs, optional directional key light, tints
- meta: JSON (manifest sha256, settings, ids)
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (DEFAULT_PACK, MANIFEST_PATH, REPO_ROOT, data_dir, directional_irradiance_sh,  # noqa: E402
                    equirect_to_irradiance_sh, fit_sh_np, normals_from_png, rotate_sh, rotation_matrix, sh_basis_np,
                    sha256_file, srgb_to_linear)

YALE_H, YALE_W = 128, 112   # 192x168 scaled by 2/3: the face fills a 128-px model input


def check(path: Path, sha: str) -> Path:
    got = sha256_file(path)
    if got != sha:
        raise SystemExit(f'[PackData] checksum mismatch for {path}: manifest {sha[:12]}, file {got[:12]}; '
                         'rerun build_manifest.py if the change is intended')
    return path


def resize_normals(n: np.ndarray, h: int, w: int) -> np.ndarray:
    """Area-average then renormalise; pixels where the average is short (mixed/unknown) become zero."""
    r = cv2.resize(n, (w, h), interpolation=cv2.INTER_AREA)
    ln = np.linalg.norm(r, axis=-1, keepdims=True)
    return np.where(ln > 0.3, r / np.maximum(ln, 1e-6), 0.0).astype(np.float32)


def pack_yale(manifest: dict, root: Path) -> dict:
    subjects = sorted({f['subject'] for f in manifest['files'] if f['role'] == 'yale_ps'})
    normals, albedos, valids, splits = [], [], [], []
    imgs, img_subj, img_light, img_sh = [], [], [], []
    by_subject: dict[str, list[dict]] = {}
    for f in manifest['files']:
        if f['role'] == 'yale_image':
            by_subject.setdefault(f['subject'], []).append(f)
    for si, s in enumerate(subjects):
        psf = next(f for f in manifest['files'] if f['role'] == 'yale_ps' and f['subject'] == s)
        d = np.load(check(root / psf['path'], psf['sha256']))
        n = d['normal'].astype(np.float32).copy()
        n[..., 0] *= -1.0                                   # PS x = image left -> camera x = image right
        alb = d['albedo'].astype(np.float32)
        alb = alb / max(np.percentile(alb, 99), 1e-6)
        valid = ((alb > 0.08) & (np.linalg.norm(n, axis=-1) > 0.5) & (n[..., 2] > -0.2)).astype(np.float32)
        n = n * valid[..., None]
        n_s = resize_normals(n, YALE_H, YALE_W)
        a_s = cv2.resize(alb, (YALE_W, YALE_H), interpolation=cv2.INTER_AREA)
        v_s = (cv2.resize(valid, (YALE_W, YALE_H), interpolation=cv2.INTER_AREA) > 0.99).astype(np.float32)
        v_s *= (np.linalg.norm(n_s, axis=-1) > 0.5)
        normals.append(n_s.transpose(2, 0, 1).astype(np.float16))
        albedos.append(np.clip(a_s * 255 + 0.5, 0, 255).astype(np.uint8))
        valids.append((v_s * 255).astype(np.uint8))
        splits.append(1 if psf['split'] == 'eval' else 0)
        for f in by_subject.get(s, []):
            im = cv2.imread(str(check(root / f['path'], f['sha256'])), cv2.IMREAD_GRAYSCALE)
            im_s = cv2.resize(im, (YALE_W, YALE_H), interpolation=cv2.INTER_AREA)
            lin = im_s.astype(np.float32) / 255.0
            w = ((v_s > 0) & (lin > 0.03) & (lin < 0.98) & (a_s > 0.15)).reshape(-1).astype(np.float64)
            if w.sum() < 200:
                continue                                     # almost black image: no usable light fit
            vals = (lin / np.maximum(a_s, 0.05)).reshape(-1, 1) * math.pi
            sh = fit_sh_np(n_s.reshape(-1, 3), vals, w)[:, 0]
            imgs.append(im_s)
            img_subj.append(si)
            img_light.append((f['azimuth'], f['elevation']))
            img_sh.append(sh.astype(np.float32))
    print(f'[PackData] Yale B: {len(subjects)} subjects, {len(imgs)} lit images at {YALE_H}x{YALE_W}')
    return {
        'yale_subjects': np.array(subjects), 'yale_normal': np.stack(normals), 'yale_albedo': np.stack(albedos),
        'yale_valid': np.stack(valids), 'yale_split': np.array(splits, np.uint8), 'yale_img': np.stack(imgs),
        'yale_img_subject': np.array(img_subj, np.int32), 'yale_img_light': np.array(img_light, np.int16),
        'yale_img_sh': np.stack(img_sh),
    }


def read_png(path: Path, flags=cv2.IMREAD_UNCHANGED) -> np.ndarray:
    im = cv2.imread(str(path), flags)
    if im is None:
        raise SystemExit(f'[PackData] cannot read {path}')
    return im


def gray01(path: Path) -> np.ndarray:
    im = read_png(path)
    if im.ndim == 3:
        im = im[..., 0] if im.shape[2] in (3, 4) else im
    return im.astype(np.float32) / (65535.0 if im.dtype == np.uint16 else 255.0)


def pack_priors(manifest: dict, size: int) -> dict:
    items = manifest['priors']
    if not items:
        print('[PackData] WARNING: no priors in the manifest: training will use Yale B only')
        z = np.zeros
        return {'prior_ids': np.array([], dtype=str), 'prior_rgb': z((0, 3, size, size), np.uint8),
                'prior_normal': z((0, 3, size, size), np.uint8), 'prior_conf_face': z((0, size, size), np.uint8),
                'prior_conf_sil': z((0, size, size), np.uint8), 'prior_mask': z((0, size, size), np.uint8),
                'prior_sh': z((0, 9, 3), np.float32), 'prior_split': z((0,), np.uint8),
                'prior_pairs': z((0, 2), np.int32), 'prior_is_video': z((0,), np.uint8)}
    rgbs, nors, cfs, css, masks, shs, splits, ids, video = [], [], [], [], [], [], [], [], []
    for it in items:
        f = {k: check(REPO_ROOT / v['path'], v['sha256']) for k, v in it['files'].items()}
        rgb = cv2.cvtColor(read_png(f['rgb'], cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
        nrm = normals_from_png(cv2.cvtColor(read_png(f['normal'], cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB))
        cf, cs, mk = gray01(f['conf_face']), gray01(f['conf_sil']), gray01(f['mask'])
        rgb_s = cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA)
        n_s = resize_normals(nrm, size, size)
        cf_s, cs_s, mk_s = (cv2.resize(x, (size, size), interpolation=cv2.INTER_AREA) for x in (cf, cs, mk))
        lin = srgb_to_linear(rgb_s).reshape(-1, 3)
        w = (mk_s * np.maximum(cf_s, cs_s)).reshape(-1) * (np.linalg.norm(n_s, axis=-1).reshape(-1) > 0.5)
        w = w * (lin.max(1) < 0.98) * (lin.max(1) > 0.01)
        sh = fit_sh_np(n_s.reshape(-1, 3), lin * math.pi, w.astype(np.float64)) if w.sum() > 100 else \
            np.zeros((9, 3))
        rgbs.append(np.clip(rgb_s * 255 + 0.5, 0, 255).astype(np.uint8).transpose(2, 0, 1))
        nors.append(np.clip((n_s * 0.5 + 0.5) * 255 + 0.5, 0, 255).astype(np.uint8).transpose(2, 0, 1))
        cfs.append(np.clip(cf_s * 255 + 0.5, 0, 255).astype(np.uint8))
        css.append(np.clip(cs_s * 255 + 0.5, 0, 255).astype(np.uint8))
        masks.append(np.clip(mk_s * 255 + 0.5, 0, 255).astype(np.uint8))
        shs.append(sh.astype(np.float32))
        splits.append(1 if it['split'] == 'val' else 0)
        ids.append(it['id'])
        video.append(1 if it['clip'] is not None else 0)
    index = {(it['clip'], it['frame']): i for i, it in enumerate(items) if it['clip'] is not None}
    pairs = [(i, index[(c, fr + 1)]) for (c, fr), i in index.items() if (c, fr + 1) in index]
    print(f'[PackData] priors: {len(ids)} items ({sum(video)} video frames, {len(pairs)} consecutive pairs) at {size}px')
    return {'prior_ids': np.array(ids), 'prior_rgb': np.stack(rgbs), 'prior_normal': np.stack(nors),
            'prior_conf_face': np.stack(cfs), 'prior_conf_sil': np.stack(css), 'prior_mask': np.stack(masks),
            'prior_sh': np.stack(shs), 'prior_split': np.array(splits, np.uint8),
            'prior_pairs': np.array(pairs, np.int32).reshape(-1, 2), 'prior_is_video': np.array(video, np.uint8)}


def light_bank(manifest: dict, root: Path, count: int, seed: int) -> np.ndarray:
    """Random target lights, each scaled so the irradiance averaged over camera-facing normals is pi (shading 1)."""
    bases = []
    for f in manifest['files']:
        if f['role'] != 'hdri':
            continue
        env = cv2.imread(str(check(root / f['path'], f['sha256'])), cv2.IMREAD_ANYDEPTH | cv2.IMREAD_COLOR)
        env = cv2.resize(env[..., ::-1].astype(np.float32), (128, 64), interpolation=cv2.INTER_AREA)
        bases.append(equirect_to_irradiance_sh(env))
    if not bases:
        raise SystemExit('[PackData] no HDRIs in the manifest')
    rng = np.random.default_rng(seed)
    probe = rng.normal(size=(2048, 3))
    probe[:, 2] = np.abs(probe[:, 2])
    probe /= np.linalg.norm(probe, axis=1, keepdims=True)
    bprobe = sh_basis_np(probe)
    out = []
    for i in range(count):
        base = bases[rng.integers(len(bases))]
        rot = rotation_matrix(rng.uniform(-math.pi, math.pi), rng.uniform(-0.5, 0.5), rng.uniform(-0.2, 0.2))
        sh = rotate_sh(base, rot, seed=i)
        sh = sh / max((bprobe @ sh).mean(), 1e-6)
        if rng.random() < 0.6:
            # A directional key light (window, desk lamp): anywhere in front, sometimes grazing or from behind.
            az, el = rng.uniform(-1.9, 1.9), rng.uniform(-0.6, 1.2)
            d = np.array([math.sin(az) * math.cos(el), math.sin(el), math.cos(az) * math.cos(el)])
            tint = np.exp(rng.normal(0, 0.12, 3))
            sh = sh + directional_irradiance_sh(d, tint * rng.uniform(0.3, 2.5))
        if rng.random() < 0.3:
            sh = sh * np.exp(rng.normal(0, 0.15, 3))[None, :]   # coloured light
        sh = sh / max((bprobe @ sh).mean(), 1e-6) * math.pi
        out.append(sh.astype(np.float32))
    return np.stack(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--manifest', type=Path, default=MANIFEST_PATH)
    ap.add_argument('--out', type=Path, default=DEFAULT_PACK)
    ap.add_argument('--prior-size', type=int, default=128)
    ap.add_argument('--lights', type=int, default=4096)
    ap.add_argument('--seed', type=int, default=7)
    args = ap.parse_args()
    manifest = json.loads(args.manifest.read_text())
    root = data_dir()
    arrays = {}
    arrays.update(pack_yale(manifest, root))
    arrays.update(pack_priors(manifest, args.prior_size))
    arrays['light_bank'] = light_bank(manifest, root, args.lights, args.seed)
    meta = {'manifest_sha256': sha256_file(args.manifest), 'prior_size': args.prior_size, 'yale_size': [YALE_H, YALE_W],
            'lights': args.lights, 'seed': args.seed}
    arrays['meta'] = np.array(json.dumps(meta))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    print(f'[PackData] wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)')


if __name__ == '__main__':
    main()

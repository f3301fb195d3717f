"""Normal accuracy against photometric stereo on the HELD-OUT Yale B subjects: student vs the analytic prior vs the
mean-face template. The analytic prior runs in Chromium (scripts/dump-priors.mjs), so this is three steps:

    /usr/bin/python3 models/training/eval_yale.py prepare --dir /tmp/yale-eval
    node scripts/dump-priors.mjs --data /tmp/yale-eval --out /tmp/yale-eval/priors --only portraits
    /usr/bin/python3 models/training/eval_yale.py evaluate --dir /tmp/yale-eval \
        --checkpoint models/training/results/gpu_h100/student.pt [--json models/training/results/yale_eval.json]

`prepare` writes each held-out lit image (lights with |azimuth| <= 50 deg, elevation <= 45 deg) sRGB-encoded (as the
student is trained: Yale intensities are treated as linear) in the middle of a 320x320 mid-grey canvas, so the
face detector and segmenter see a head with some margin (a tight Yale crop has none). Every method is then scored on
the same pixels: the Yale crop region, resampled to 128x112 (the training pack's grid), where the photometric-stereo
normal is valid. Methods:
- template: average of the TRAIN subjects' photometric-stereo normal maps (perfectly aligned: Yale crops are
  registered, an advantage no real frame gives);
- prior: the analytic prior's blended normals (face mesh + silhouette) on the padded image;
- student (padded): the student on the same padded image (resized to 128) with the crop rectangle as its mask; and
  with the MediaPipe mask of the dump (which mostly fails on these grey-canvas crops: a robustness number);
- student (face-filling): the student on the tight crop centred in its 128 input (as train.py evaluates).
Also reported on the subset where the prior's face confidence > 0.5 (the face-mesh region).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_PACK, REPO_ROOT, data_dir, linear_to_srgb, normals_from_png, write_json  # noqa: E402
from sources import yale_light_files  # noqa: E402

CANVAS = 320
YH, YW = 192, 168          # Yale crop
OH, OW = 128, 112          # comparison grid (= pack)
MAX_AZ, MAX_EL = 50, 45


def eval_subjects(pack) -> list[str]:
    return [s for s, sp in zip(pack['yale_subjects'], pack['yale_split']) if sp == 1]


def prepare(out: Path, pack_path: Path) -> None:
    pack = np.load(pack_path)
    root = data_dir()
    dst = out / 'portraits' / 'yale'
    dst.mkdir(parents=True, exist_ok=True)
    n = 0
    for s in eval_subjects(pack):
        for p, az, el in yale_light_files(str(s), MAX_AZ, MAX_EL, root):
            g = cv2.imread(str(p), cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255.0
            srgb = (linear_to_srgb(g) * 255 + 0.5).clip(0, 255).astype(np.uint8)
            canvas = np.full((CANVAS, CANVAS), 128, np.uint8)
            oy, ox = (CANVAS - YH) // 2, (CANVAS - YW) // 2
            canvas[oy:oy + YH, ox:ox + YW] = srgb
            cv2.imwrite(str(dst / f'{s}_A{az:+04d}E{el:+03d}.jpg'), cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR),
                        [cv2.IMWRITE_JPEG_QUALITY, 95])
            n += 1
    print(f'[EvalYale] wrote {n} padded images to {dst}; now run dump-priors.mjs on {out}')


def crop_to_grid(img: np.ndarray, size_px: int, interp=cv2.INTER_LINEAR) -> np.ndarray:
    """Maps a square map covering the CANVAS (size_px per side) to the Yale crop region on the 128x112 grid."""
    s = size_px / CANVAS
    oy, ox = (CANVAS - YH) // 2, (CANVAS - YW) // 2
    # output pixel centre (u+0.5, v+0.5) -> canvas (ox + (u+0.5)*YW/OW, ...) -> map (.. * s) - 0.5
    sx, sy = YW / OW * s, YH / OH * s
    m = np.array([[sx, 0, (ox + 0.5 * YW / OW) * s - 0.5], [0, sy, (oy + 0.5 * YH / OH) * s - 0.5]], np.float32)
    return cv2.warpAffine(img, m, (OW, OH), flags=interp | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_CONSTANT)


def unit(n: np.ndarray) -> np.ndarray:
    ln = np.linalg.norm(n, axis=-1, keepdims=True)
    return np.where(ln > 0.3, n / np.maximum(ln, 1e-6), 0)


def angles(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.degrees(np.arccos(np.clip((a * b).sum(-1), -1, 1)))


def evaluate(out: Path, pack_path: Path, checkpoint: Path) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from model import build_model, load_compatible
    torch.set_num_threads(1)
    pack = np.load(pack_path)
    subjects = [str(s) for s in pack['yale_subjects']]
    split = pack['yale_split']
    ps_n = {s: pack['yale_normal'][i].astype(np.float32).transpose(1, 2, 0) for i, s in enumerate(subjects)}
    ps_v = {s: pack['yale_valid'][i] > 127 for i, s in enumerate(subjects)}
    tr = [i for i in range(len(subjects)) if split[i] == 0]
    num = sum(pack['yale_normal'][i].astype(np.float32).transpose(1, 2, 0) * (pack['yale_valid'][i][..., None] > 127) for i in tr)
    template = unit(num)

    ck = torch.load(checkpoint, map_location='cpu')
    model = build_model(ck['config'])
    load_compatible(model, ck['model'])
    model.eval()
    size = ck['config']['data']['size']

    man = json.loads((out / 'priors' / 'manifest.json').read_text())
    sums: dict[str, list[float]] = {}

    def add(key: str, err: np.ndarray, w: np.ndarray) -> None:
        a = sums.setdefault(key, [0.0, 0.0])
        a[0] += float((err * w).sum())
        a[1] += float(w.sum())

    faces = 0
    per_image = []
    for it in man['items']:
        name = Path(it['source']).stem                  # yaleB15_A+000E+00
        subj = name.split('_')[0]
        pid = out / 'priors' / it['id']
        rgb = cv2.cvtColor(cv2.imread(f'{pid}_rgb.png'), cv2.COLOR_BGR2RGB)
        prior = normals_from_png(cv2.cvtColor(cv2.imread(f'{pid}_normal.png'), cv2.COLOR_BGR2RGB))
        cf = cv2.imread(f'{pid}_conf_face.png', cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255
        mask = cv2.imread(f'{pid}_mask.png', cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255
        faces += bool(it.get('faceFound'))
        gt, valid = ps_n[subj], ps_v[subj]
        prior_g = unit(crop_to_grid(prior, prior.shape[0]))
        sfs_path = Path(f'{pid}_normal_sfs.png')
        sfs_g = unit(crop_to_grid(normals_from_png(cv2.cvtColor(cv2.imread(str(sfs_path)), cv2.COLOR_BGR2RGB)), prior.shape[0])) \
            if sfs_path.exists() else None
        cf_g = crop_to_grid(cf, cf.shape[0])
        # Student on the padded image the prior saw, (a) with the crop rectangle as its mask (what a perfect
        # segmenter would return: the whole crop is the subject), (b) with the MediaPipe mask from the dump (it
        # mostly fails on these grey-canvas crops: a robustness number, not an accuracy number).
        rect = np.zeros((CANVAS, CANVAS), np.float32)
        oy, ox = (CANVAS - YH) // 2, (CANVAS - YW) // 2
        rect[oy:oy + YH, ox:ox + YW] = 1
        rgb_s = cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        outs = []
        for m_in in (cv2.resize(rect, (size, size), interpolation=cv2.INTER_AREA), cv2.resize(mask, (size, size), interpolation=cv2.INTER_AREA)):
            x = np.concatenate([rgb_s, m_in[..., None]], -1)
            with torch.no_grad():
                n, _, _ = model(torch.from_numpy(x.transpose(2, 0, 1)[None].copy()))
            outs.append(unit(crop_to_grid(n[0].numpy().transpose(1, 2, 0), size)))
        student_g, student_seg = outs
        # Student on the tight crop (face-filling, as in training's Yale samples).
        g = cv2.imread(str(data_dir() / 'relight/extyaleb' / subj / f'{subj}_P00{name.split("_")[1]}.pgm'), cv2.IMREAD_GRAYSCALE)
        g = cv2.resize(g, (OW, OH), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        inp = np.zeros((4, size, size), np.float32)
        ox = (size - OW) // 2
        inp[:3, :, ox:ox + OW] = linear_to_srgb(g)[None]
        inp[3, :, ox:ox + OW] = 1
        with torch.no_grad():
            nf, _, _ = model(torch.from_numpy(inp[None]))
        student_f = nf[0].numpy().transpose(1, 2, 0)[:, ox:ox + OW]
        w_all = valid.astype(np.float32)
        w_face = w_all * (cf_g > 0.5)
        methods = [('template', template), ('prior', prior_g), ('student_padded', student_g),
                   ('student_padded_segmenter_mask', student_seg), ('student_face_filling', student_f)]
        if sfs_g is not None:
            methods.append(('prior_sfs', sfs_g))
        for key, pred in methods:
            err = angles(pred, gt)
            has = (np.linalg.norm(pred, axis=-1) > 0.5).astype(np.float32)
            add(f'{key}/all', np.where(has > 0, err, 90.0), w_all)     # no normal = 90 deg (a renderer sees nothing)
            add(f'{key}/face', np.where(has > 0, err, 90.0), w_face)
        per_image.append({'id': name, 'faceFound': bool(it.get('faceFound')),
                          'student_padded': float((angles(student_g, gt) * w_all).sum() / max(w_all.sum(), 1)),
                          'prior': float((angles(prior_g, gt) * w_all).sum() / max(w_all.sum(), 1)),
                          **({'prior_sfs': float((angles(sfs_g, gt) * w_all).sum() / max(w_all.sum(), 1))} if sfs_g is not None else {})})
    res = {k: round(v[0] / max(v[1], 1e-6), 2) for k, v in sorted(sums.items())}
    # Does the error follow the light? Mean per-image error by light group (lighting invariance).
    import re
    groups: dict[str, list[tuple[float, float]]] = {}
    for p in per_image:
        m = re.search(r'A([+-]\d+)E([+-]\d+)', p['id'])
        az, el = abs(int(m[1])), int(m[2])
        key = 'frontal |A|<=10 |E|<=10' if az <= 10 and abs(el) <= 10 else ('side |A|>=35' if az >= 35 else 'other')
        groups.setdefault(key, []).append((p['student_padded'], p['prior'], p.get('prior_sfs', float('nan'))))
    by_light = {k: {'images': len(v), 'student_padded_deg': round(float(np.mean([a for a, _, _ in v])), 2),
                    'prior_deg': round(float(np.mean([b for _, b, _ in v])), 2),
                    'prior_sfs_deg': round(float(np.mean([c for _, _, c in v])), 2)} for k, v in sorted(groups.items())}
    summary = {'images': len(man['items']), 'prior_faces_found': faces,
               'subjects': [s for s in subjects if split[subjects.index(s)] == 1],
               'lights': f'|azimuth| <= {MAX_AZ}, elevation <= {MAX_EL}', 'mean_angular_error_deg': res,
               'pixels': {'all': int(sums['template/all'][1]), 'face': int(sums['template/face'][1])},
               'by_light_per_image_mean': by_light,
               'checkpoint': str(checkpoint.resolve().relative_to(REPO_ROOT)) if checkpoint.resolve().is_relative_to(REPO_ROOT) else str(checkpoint),
               'per_image': per_image}
    return summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('cmd', choices=['prepare', 'evaluate'])
    ap.add_argument('--dir', type=Path, required=True)
    ap.add_argument('--pack', type=Path, default=DEFAULT_PACK)
    ap.add_argument('--checkpoint', type=Path, default=REPO_ROOT / 'models/training/results/gpu_h100/student.pt')
    ap.add_argument('--json', type=Path)
    args = ap.parse_args()
    if args.cmd == 'prepare':
        prepare(args.dir, args.pack)
    else:
        r = evaluate(args.dir, args.pack, args.checkpoint)
        print(json.dumps({k: v for k, v in r.items() if k != 'per_image'}, indent=1))
        if args.json:
            write_json(args.json, r)


if __name__ == '__main__':
    main()

"""Temporal stability on GRID talking-head clips: mean angular change of the normals between consecutive frames
(25 fps) inside the person, student vs the analytic prior (the dump runs the prior per frame, without its temporal
EMA, and the student here is also raw, so both numbers are per-frame flicker + real motion). Lower is steadier;
real head motion between two frames at 25 fps is small, so most of the change is flicker. Also: the change under
sensor noise alone (the same frame twice, independent Gaussian noise sigma=0.01), which is pure flicker.

    /usr/bin/python3 models/training/eval_video.py [--checkpoint ...] [--json models/training/results/video_eval.json]

Note: the GRID frames in the priors cache are training data for the student (no clip is held out: there are six),
so this measures stability, not accuracy.
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
from common import PRIORS_DIR, REPO_ROOT, normals_from_png, write_json  # noqa: E402
from model import build_model, load_compatible  # noqa: E402


def load(pid: str, size: int):
    rgb = cv2.cvtColor(cv2.imread(str(PRIORS_DIR / f'{pid}_rgb.png')), cv2.COLOR_BGR2RGB)
    mask = cv2.imread(str(PRIORS_DIR / f'{pid}_mask.png'), cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255
    prior = normals_from_png(cv2.cvtColor(cv2.imread(str(PRIORS_DIR / f'{pid}_normal.png')), cv2.COLOR_BGR2RGB))
    x = np.concatenate([cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255,
                        cv2.resize(mask, (size, size), interpolation=cv2.INTER_AREA)[..., None]], -1)
    p = cv2.resize(prior, (size, size), interpolation=cv2.INTER_AREA)
    p /= np.maximum(np.linalg.norm(p, axis=-1, keepdims=True), 1e-6)
    return x.transpose(2, 0, 1).copy(), p, x[..., 3]


def ang(a, b):
    return np.degrees(np.arccos(np.clip((a * b).sum(-1), -1, 1)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--checkpoint', type=Path, default=REPO_ROOT / 'models/training/results/gpu_h100/student.pt')
    ap.add_argument('--json', type=Path)
    args = ap.parse_args()
    torch.set_num_threads(1)
    ck = torch.load(args.checkpoint, map_location='cpu')
    model = build_model(ck['config'])
    load_compatible(model, ck['model'])
    model.eval()
    size = ck['config']['data']['size']
    man = json.loads((PRIORS_DIR / 'manifest.json').read_text())
    frames = {(e['clip'], e['frame']): e['id'] for e in man['items'] if e.get('clip')}
    pairs = [(frames[k], frames[(k[0], k[1] + 1)]) for k in sorted(frames) if (k[0], k[1] + 1) in frames]
    rng = np.random.default_rng(0)
    s_sum = p_sum = n_sum = w_sum = 0.0
    for a, b in pairs:
        xa, pa, ma = load(a, size)
        xb, pb, mb = load(b, size)
        noisy = xa.copy()
        noisy[:3] = np.clip(noisy[:3] + rng.normal(0, 0.01, noisy[:3].shape), 0, 1)
        with torch.no_grad():
            out = model(torch.from_numpy(np.stack([xa, xb, noisy]).astype(np.float32)))[0].numpy().transpose(0, 2, 3, 1)
        w = ((ma > 0.5) & (mb > 0.5) & (np.linalg.norm(pa, axis=-1) > 0.5) & (np.linalg.norm(pb, axis=-1) > 0.5)).astype(np.float32)
        s_sum += float((ang(out[0], out[1]) * w).sum())
        n_sum += float((ang(out[0], out[2]) * w).sum())
        p_sum += float((ang(pa, pb) * w).sum())
        w_sum += float(w.sum())
    r = {'pairs': len(pairs), 'student_consecutive_deg': round(s_sum / w_sum, 3),
         'prior_consecutive_deg': round(p_sum / w_sum, 3), 'student_noise_only_deg': round(n_sum / w_sum, 3),
         'checkpoint': str(args.checkpoint.resolve().relative_to(REPO_ROOT)) if args.checkpoint.resolve().is_relative_to(REPO_ROOT) else str(args.checkpoint)}
    print(json.dumps(r, indent=1))
    if args.json:
        write_json(args.json, r)


if __name__ == '__main__':
    main()

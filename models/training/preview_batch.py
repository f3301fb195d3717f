"""Writes a PNG of one augmented training batch (to LOOK at what the student is trained on).

    /usr/bin/python3 models/training/preview_batch.py [--config ...] [--out tests/.artifacts/student/batch.png]

Columns: input RGB | input mask | target normals | w_face | w_sil | w_ps | albedo target | re-render target.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from augment import TrainData  # noqa: E402
from common import DEFAULT_PACK, REPO_ROOT, linear_to_srgb  # noqa: E402
from train import load_config, normalise_albedo, sample_batch  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--config', type=Path, default=REPO_ROOT / 'models/training/configs/cpu_small.json')
    ap.add_argument('--pack', type=Path, default=DEFAULT_PACK)
    ap.add_argument('--batch', type=int, default=10)
    ap.add_argument('--seed', type=int, default=5)
    ap.add_argument('--out', type=Path, default=REPO_ROOT / 'tests/.artifacts/student/batch.png')
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = load_config(args.config)
    cfg['data']['batch'] = args.batch
    d = TrainData(args.pack, torch.device('cpu'))
    b = sample_batch(d, cfg, torch.Generator().manual_seed(args.seed))
    alb, _ = normalise_albedo(b)
    rows = []
    for i in range(args.batch):
        g = lambda t: t[i].expand(3, -1, -1)
        tiles = [b['input'][i, :3], g(b['input'][:, 3:4]), b['normal'][i] * 0.5 + 0.5, g(b['w_face']), g(b['w_sil']),
                 g(b['w_ps']), linear_to_srgb(alb[i]), linear_to_srgb(b['render_target'][i])]
        rows.append(torch.cat([t.clamp(0, 1) for t in tiles], 2))
    img = (torch.cat(rows, 1).permute(1, 2, 0).numpy() * 255).astype(np.uint8)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.out), img[..., ::-1])
    print(f'[PreviewBatch] {args.out}; pairs {len(b["pair_a"])}')


if __name__ == '__main__':
    main()

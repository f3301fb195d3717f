"""How the student's albedo output relates to its albedo targets, on data it was not trained on.

    /usr/bin/python3 models/training/calibrate_albedo.py [--checkpoint results/finetune_motion_cpu/student.pt]

PAL aligns the predicted albedo to its target with a per-sample affine colour map before the loss, so only the
small unaligned term pins the albedo's absolute contrast: the output comes out compressed, roughly
pred = alpha * target + beta with beta > 0 (dark skin and a white shirt end up closer than they are). The renderer
fits the source light as albedo x shading (src/gpu/relight-math.ts, estimateSourceLighting), which needs relative
albedo, so it undoes the offset: a = max(floor, pred / mean(pred) - offset). This script measures `offset` =
beta / mean(pred) by weighted least squares of the predicted vs target albedo luminance per item, on
  - the validation portraits (not trained on; target = image / the prior's shading, as in training), and
  - the held-out Yale B subjects (target = photometric-stereo albedo, grey),
and writes results/albedo_calibration.json. The renderer's `albedoOffset` is the portraits' median (the product
sees portraits, not cropped Yale faces); the Yale number is a cross-check of the direction.

`by_group` repeats the fit on every portrait of the pack (training and validation: not a held-out number) per
skin-tone group, from the shared data's portraits/info/*_info.csv (self-reported ethnicity; --data, default
$RELIGHT_DATA or ../shared/data; skipped loudly when absent). A group whose offset sits above the median has its
albedo contrast compressed more: the renderer's single offset then leaves part of that person's darker skin to be
read as dimmer light, and 'neutral' brightens them (the skin-tone eval's per-group linear gain).
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from augment import TrainData, augment, prior_source, yale_source  # noqa: E402
from common import DEFAULT_PACK, REPO_ROOT, TRAINING_DIR, data_dir, write_json  # noqa: E402
from model import build_model, load_compatible  # noqa: E402

LUMA = torch.tensor([0.2126, 0.7152, 0.0722]).view(1, 3, 1, 1)


def fit_items(pred: torch.Tensor, target: torch.Tensor, w: torch.Tensor) -> list[dict | None]:
    """Per item: weighted LS pred_lum = alpha * target_lum + beta; returns alpha, beta and beta / mean(pred), or
    None for an item with too little trusted target (weight < 50 pixels) or a flat target."""
    p = (pred * LUMA).sum(1)
    t = (target * LUMA).sum(1)
    out: list[dict | None] = []
    for i in range(len(p)):
        wi = w[i, 0].flatten().double()
        if float(wi.sum()) < 50:
            out.append(None)
            continue
        x, y = t[i].flatten().double(), p[i].flatten().double()
        sw = wi.sum()
        mx, my = (wi * x).sum() / sw, (wi * y).sum() / sw
        cov = (wi * (x - mx) * (y - my)).sum() / sw
        var = (wi * (x - mx) ** 2).sum() / sw
        if float(var) <= 1e-9:
            out.append(None)
            continue
        alpha = float(cov / var)
        beta = float(my - alpha * mx)
        out.append({'alpha': alpha, 'beta': beta, 'offset': beta / float(my), 'mean_pred': float(my),
                    'r': float(cov / (var.sqrt() * ((wi * (y - my) ** 2).sum() / sw).sqrt()))})
    return out


def fit(pred: torch.Tensor, target: torch.Tensor, w: torch.Tensor) -> list[dict]:
    """fit_items without the items it could not fit."""
    return [r for r in fit_items(pred, target, w) if r is not None]


def summary(rows: list[dict]) -> dict:
    return {'items': len(rows), **{f'median_{k}': float(np.median([r[k] for r in rows])) for k in ('alpha', 'beta', 'offset', 'r')},
            'p25_offset': float(np.percentile([r['offset'] for r in rows], 25)),
            'p75_offset': float(np.percentile([r['offset'] for r in rows], 75))}


def portrait_groups(data: Path, ids: list[str]) -> tuple[dict[int, str], str | None]:
    """Pack index -> skin-tone group for the portraits ('p_<set>_<file stem>'), as scripts/eval.mjs labels them:
    the CSV under portraits/info/ whose face ids (a file stem before '_') match most of a set's files, its
    face_eth column (or group/ethnicity); multi-group answers ('east_asian/white') are 'mixed'."""
    info_dir = data / 'portraits' / 'info'
    if not info_dir.is_dir():
        return {}, None
    tables = []
    for f in sorted(info_dir.glob('*.csv')):
        with open(f, newline='') as fh:
            rows = list(csv.DictReader(fh))
        col = next((c for c in ('group', 'face_eth', 'ethnicity', 'eth') if rows and c in rows[0]), None)
        id_col = next((c for c in ('file', 'face_id', 'id') if rows and c in rows[0]), None)
        if col and id_col:
            tables.append((f.name, {str(r[id_col]): r[col] for r in rows if r.get(col)}))
    sets = sorted((p.name for p in (data / 'portraits').iterdir() if p.is_dir() and p.name != 'info'), key=len, reverse=True)
    by_set: dict[str, list[tuple[int, str]]] = {}
    for i, name in enumerate(ids):
        st = next((s for s in sets if name.startswith(f'p_{s}_')), None)
        if st:
            by_set.setdefault(st, []).append((i, name[len(st) + 3:].split('_')[0]))
    out: dict[int, str] = {}
    used = set()
    for st, items in by_set.items():
        hits, best = max(((sum(fid in t[1] for _, fid in items), t) for t in tables), key=lambda h: h[0], default=(0, None))
        if not best or hits < len(items) / 2:
            continue
        used.add(best[0])
        for i, fid in items:
            g = best[1].get(fid)
            if g:
                out[i] = 'mixed' if '/' in g else g
    return out, ', '.join(f'portraits/info/{u}' for u in sorted(used)) or None


@torch.no_grad()
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--checkpoint', type=Path, default=TRAINING_DIR / 'results' / 'finetune_motion_cpu' / 'student.pt')
    ap.add_argument('--pack', type=Path, default=DEFAULT_PACK)
    ap.add_argument('--json', type=Path, default=TRAINING_DIR / 'results' / 'albedo_calibration.json')
    ap.add_argument('--data', type=Path, default=None, help='shared data folder (skin-tone groups of the portraits)')
    args = ap.parse_args()
    torch.set_num_threads(2)
    ck = torch.load(args.checkpoint, map_location='cpu')
    cfg = ck['config']
    model = build_model(cfg)
    load_compatible(model, ck['model'])
    model.eval()
    d = TrainData(args.pack, torch.device('cpu'))

    def portrait_fits(idx: torch.Tensor) -> list[dict | None]:
        """fit_items over pack portraits `idx`, in batches of 32 (unaugmented, as the validation sees them)."""
        rows: list[dict | None] = []
        for s in range(0, len(idx), 32):
            b = augment(prior_source(d, idx[s:s + 32]), cfg, None, d.lights, train=False)
            _, _, alb = model(b['input'])
            rows += fit_items(alb, b['albedo'], b['w_alb'])
        return rows

    portraits = [r for r in portrait_fits(d.prior_val_idx) if r is not None]
    groups, group_source = portrait_groups(args.data or data_dir(), d.prior_ids)
    by_group: dict[str, list[dict]] = {}
    labelled = sorted(groups)
    for i, r in zip(labelled, portrait_fits(torch.tensor(labelled, dtype=torch.long))):
        if r is not None:
            by_group.setdefault(groups[i], []).append(r)
    yale: list[dict] = []
    for s in range(0, len(d.yale_eval_img), 64):
        sub = d.yale_eval_img[s:s + 64]
        b = augment(yale_source(d, sub, cfg['data']['size']), cfg, None, d.lights, train=False)
        _, _, alb = model(b['input'])
        yale += fit(alb, b['albedo'], b['w_alb'])
    metrics = args.checkpoint.parent / 'metrics.json'
    ck_path = args.checkpoint.resolve()
    report = {'checkpoint': str(ck_path.relative_to(REPO_ROOT)) if ck_path.is_relative_to(REPO_ROOT) else str(ck_path),
              # the ONNX exported from this checkpoint (its run's metrics.json): tests/unit/albedo-calibration.test.ts
              # checks that models/student.onnx is the calibrated model and the renderer uses this offset
              'onnx_sha256': json.loads(metrics.read_text()).get('onnx_sha256') if metrics.exists() else None,
              'model': 'pred_lum = alpha * target_lum + beta per item (weighted by the albedo target weight); offset = beta / mean(pred)',
              'validation_portraits': summary(portraits), 'heldout_yale': summary(yale)}
    if by_group:
        report['by_group'] = {'source': group_source, 'items': 'every labelled portrait of the pack, training and validation',
                              **{g: summary(v) for g, v in sorted(by_group.items())}}
    write_json(args.json, report)
    for k in ('validation_portraits', 'heldout_yale'):
        v = report[k]
        print(f'[CalibrateAlbedo] {k:20s} items {v["items"]:4d}  alpha {v["median_alpha"]:.3f}  beta {v["median_beta"]:.3f}  '
              f'offset {v["median_offset"]:.3f} (p25 {v["p25_offset"]:.3f}, p75 {v["p75_offset"]:.3f})  r {v["median_r"]:.2f}')
    if by_group:
        for g, v in report['by_group'].items():
            if isinstance(v, dict):
                print(f'[CalibrateAlbedo]   group {g:12s} items {v["items"]:4d}  alpha {v["median_alpha"]:.3f}  '
                      f'offset {v["median_offset"]:.3f} (p25 {v["p25_offset"]:.3f}, p75 {v["p75_offset"]:.3f})')
    else:
        print(f'[CalibrateAlbedo] WARNING: no skin-tone groups (no portraits/info under {args.data or data_dir()}): by_group skipped')
    print(f'[CalibrateAlbedo] wrote {args.json}')


if __name__ == '__main__':
    main()

"""Writes models/training/data_manifest.json: every source file the student uses, with sha256, role, licence and
the train/eval split. pack_data.py reads only files listed here and checks their checksums, so a training run is
tied to exact bytes.

    /usr/bin/python3 models/training/build_manifest.py            # (re)generate after the priors cache changes
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import MANIFEST_PATH, PRIORS_DIR, REPO_ROOT, data_dir, sha256_file, write_json  # noqa: E402
from sources import hdri_files, load_priors_manifest, yale_light_files, yale_subjects  # noqa: E402

YALE_EVAL_SUBJECTS = ['yaleB15', 'yaleB16', 'yaleB17', 'yaleB18', 'yaleB19']
LICENCES = {
    'yale': 'Extended Yale Face Database B: research use (Georghiades et al. PAMI 2001; Lee et al. PAMI 2005)',
    'hdri': 'CC0 (Poly Haven, via pmndrs/drei-assets)',
    'priors': 'derived from the sources listed per item (portraits CC BY 4.0 DeBruine & Jones 2017; GRID CC BY 4.0 Cooke et al. 2006)',
}


def rel(p: Path, root: Path) -> str:
    return str(p.resolve().relative_to(root))


def prior_split(group: str, val_mod: int) -> str:
    h = int(hashlib.sha256(group.encode()).hexdigest()[:8], 16)
    return 'val' if h % val_mod == 0 else 'train'


def build(max_abs_az: int, max_el: int, val_mod: int) -> dict:
    root = data_dir()
    files = []
    subjects = yale_subjects(root)
    if not subjects:
        raise SystemExit(f'[BuildManifest] no Yale B photometric stereo under {root}: set RELIGHT_DATA')
    for s in subjects:
        split = 'eval' if s in YALE_EVAL_SUBJECTS else 'train'
        ps = root / 'intrinsics/yaleb_photometric_stereo' / f'{s}_ps.npz'
        files.append({'path': rel(ps, root), 'sha256': sha256_file(ps), 'bytes': ps.stat().st_size,
                      'role': 'yale_ps', 'subject': s, 'split': split, 'licence': 'yale'})
        for p, az, el in yale_light_files(s, max_abs_az, max_el, root):
            files.append({'path': rel(p, root), 'sha256': sha256_file(p), 'bytes': p.stat().st_size,
                          'role': 'yale_image', 'subject': s, 'split': split, 'azimuth': az, 'elevation': el,
                          'licence': 'yale'})
    for p in hdri_files(root):
        files.append({'path': rel(p, root), 'sha256': sha256_file(p), 'bytes': p.stat().st_size, 'role': 'hdri',
                      'licence': 'hdri'})
    priors = []
    pm = PRIORS_DIR / 'manifest.json'
    for it in load_priors_manifest():
        priors.append({
            'id': it.id, 'source': it.source, 'source_sha256': it.source_sha256, 'clip': it.clip, 'frame': it.frame,
            'group': it.group, 'split': prior_split(it.group, val_mod),
            'files': {k: {'path': rel(f, REPO_ROOT), 'sha256': sha256_file(f)} for k, f in it.files.items()},
        })
    return {
        'generated_by': 'models/training/build_manifest.py',
        'data_root': 'RELIGHT_DATA (default ../shared/data); paths below are relative to it',
        'selection': {'yale_max_abs_azimuth_deg': max_abs_az, 'yale_max_elevation_deg': max_el,
                      'yale_eval_subjects': YALE_EVAL_SUBJECTS, 'prior_val': f'sha256(group) % {val_mod} == 0'},
        'licences': LICENCES,
        'priors_manifest': {'path': rel(pm, REPO_ROOT), 'sha256': sha256_file(pm)} if pm.exists() else None,
        'counts': {'yale_subjects': len(subjects), 'yale_images': sum(f['role'] == 'yale_image' for f in files),
                   'hdri': sum(f['role'] == 'hdri' for f in files), 'prior_items': len(priors),
                   'prior_val_items': sum(p['split'] == 'val' for p in priors)},
        'files': files,
        'priors': priors,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--max-abs-azimuth', type=int, default=95)
    ap.add_argument('--max-elevation', type=int, default=65)
    ap.add_argument('--val-mod', type=int, default=10)
    ap.add_argument('--out', type=Path, default=MANIFEST_PATH)
    args = ap.parse_args()
    m = build(args.max_abs_azimuth, args.max_elevation, args.val_mod)
    write_json(args.out, m)
    print(f'[BuildManifest] {args.out}: {m["counts"]}')
    if not m['priors']:
        print('[BuildManifest] WARNING: no priors cache at models/training/cache/priors (run scripts/dump-priors.mjs);'
              ' the student would train on Yale B alone')


if __name__ == '__main__':
    main()

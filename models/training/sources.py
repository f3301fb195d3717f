"""Which source files the student is trained and evaluated on, and how the priors cache is read.

Sources (all under $RELIGHT_DATA, default ../shared/data, except the priors cache):
- Yale B photometric stereo (research use; normal/albedo supervision + held-out evaluation):
  intrinsics/yaleb_photometric_stereo/<subject>_ps.npz and the lit images relight/extyaleb/<subject>/*.pgm.
  Normals there have x = +azimuth side = IMAGE LEFT (checked: rendering with l = (sinA cosE, sinE, cosA cosE)
  correlates 0.97 with the photos, and the cheek on the image-left side has x > 0), so camera x = -x_ps.
- Poly Haven HDRIs (CC0), hdri/drei_assets_1k_hdr/*.hdr: random target/source lights for synthetic relighting.
- The analytic priors (pseudo ground truth) written by scripts/dump-priors.mjs into models/training/cache/priors:
  <id>_{rgb,normal,conf_face,conf_sil,mask}.png (256x256; normal RGB8 = n*0.5+0.5) + manifest.json with
  id, source, sha256, and clip/frame for video frames. Portraits (CC BY 4.0) and GRID frames (CC BY 4.0).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from common import PRIORS_DIR, data_dir

YALE_PS_DIR = 'intrinsics/yaleb_photometric_stereo'
YALE_IMG_DIR = 'relight/extyaleb'
HDRI_DIR = 'hdri/drei_assets_1k_hdr'
PRIOR_KINDS = ('rgb', 'normal', 'conf_face', 'conf_sil', 'mask')
LIGHT_RE = re.compile(r'_P00A([+-]\d+)E([+-]\d+)\.pgm$')


def yale_subjects(root: Path | None = None) -> list[str]:
    root = root or data_dir()
    return sorted(p.name[:-len('_ps.npz')] for p in (root / YALE_PS_DIR).glob('yaleB*_ps.npz'))


def yale_light_files(subject: str, max_abs_azimuth: int, max_elevation: int, root: Path | None = None) -> list[tuple[Path, int, int]]:
    """Lit images of one subject within the light-angle limits (files flagged *.pgm.bad are never listed)."""
    root = root or data_dir()
    out = []
    for p in sorted((root / YALE_IMG_DIR / subject).glob(f'{subject}_P00A*.pgm')):
        m = LIGHT_RE.search(p.name)
        if not m:
            continue
        az, el = int(m[1]), int(m[2])
        if abs(az) <= max_abs_azimuth and el <= max_elevation:
            out.append((p, az, el))
    return out


def hdri_files(root: Path | None = None) -> list[Path]:
    root = root or data_dir()
    return sorted((root / HDRI_DIR).glob('*.hdr'))


@dataclass
class PriorItem:
    id: str
    source: str
    source_sha256: str | None
    clip: str | None = None
    frame: int | None = None
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def group(self) -> str:
        """Identity used for train/val splits: a person (both London expressions together) or a video clip."""
        if self.clip is not None:
            return f'clip:{self.clip}'
        name = Path(self.source).name
        m = re.match(r'^(\d{3})_\d{2}\.', name)
        if m and ('neutral_front' in self.source or 'smiling_front' in self.source):
            return f'london:{m[1]}'
        return f'img:{Path(self.source).stem}'


def _entries(raw) -> list[dict]:
    if isinstance(raw, list):
        return raw
    for key in ('items', 'entries', 'images', 'frames'):
        if isinstance(raw.get(key), list):
            return raw[key]
    raise ValueError('[PriorsLoader] manifest.json: expected a list or an object with "items"')


def load_priors_manifest(priors_dir: Path = PRIORS_DIR) -> list[PriorItem]:
    """Reads the priors cache manifest; entries whose five PNGs are not all present are skipped loudly."""
    mpath = priors_dir / 'manifest.json'
    if not mpath.exists():
        return []
    raw = json.loads(mpath.read_text())
    items: list[PriorItem] = []
    missing = 0
    for e in _entries(raw):
        pid = str(e['id'])
        files = {k: priors_dir / f'{pid}_{k}.png' for k in PRIOR_KINDS}
        if not all(f.exists() for f in files.values()):
            missing += 1
            continue
        frame = e.get('frame')
        clip = e.get('clip')
        items.append(PriorItem(id=pid, source=str(e.get('source', pid)), source_sha256=e.get('sha256'),
                               clip=None if clip is None else str(clip), frame=None if frame is None else int(frame),
                               files=files))
    if missing:
        print(f'[PriorsLoader] {missing} manifest entries skipped: not all of {PRIOR_KINDS} present')
    return items

"""HELD-OUT temporal stability with motion: synthetic talking-head clips rendered from stills the student never saw
(the validation portraits of data_manifest.json, `sha256(group) % 10 == 0`, one clip per person, and the demo's
astronaut), then the motion-compensated change of the normals between consecutive frames, student vs the analytic
prior. eval_video.py measures the same kind of thing on GRID, but every GRID clip is training data.

    /usr/bin/python3 models/training/eval_video_heldout.py selftest
    /usr/bin/python3 models/training/eval_video_heldout.py prepare --dir /tmp/heldout-video
    node scripts/dump-priors.mjs --data /tmp/heldout-video --out /tmp/heldout-video/priors --only portraits
    /usr/bin/python3 models/training/eval_video_heldout.py evaluate --dir /tmp/heldout-video \
        [--checkpoint models/training/results/gpu_h100/student.pt] [--json models/training/results/video_eval_heldout.json]

`prepare` centre-crops each still to a square, resizes it to 512x512 and renders FRAMES frames at 25 fps with
cv2.warpAffine (reflect border): smooth sinusoidal translation (up to 5% of the frame per axis), scale 0.95..1.06
and in-plane rotation +-6 deg about the frame centre, a global exposure drift of +-10% (a gain in linear light) and
Gaussian sensor noise (sigma 0.01 of full scale), saved as JPEG q95 under DIR/portraits/<clip>/<frame>.jpg. Every
TWIN_EVERY-th frame is also saved a second time with independent noise under DIR/portraits/<clip>_twin/ (the noise
floor of both methods through the exact same path). DIR/motion.json holds the per-frame 2x3 affine (still pixel
coordinates -> frame pixel coordinates, 512 px, pixel centres at integers, cv2 convention) and everything needed to
re-render a frame.

`evaluate` scores both methods on the student's 128x128 grid (the dump's 256x256 maps resized with INTER_AREA, as
eval_video.py does). For a pair (t, t+1) the normal map of frame t is warped into frame t+1 with the known relative
affine A = M[t+1] M[t]^-1 and each normal's (x, y) is rotated by A's rotation; the image rotation R_img acts on
(x, y_down), camera space is (x, y_up), so the camera-space rotation is F R_img F with F = diag(1, -1) (the opposite
angle). The synthetic motion is a 2D similarity, which a real head would produce by rolling about the view axis and
moving in the image plane (orthographic approximation), so a perfect estimator's compensated change is 0 up to
resampling. Pixels count where both frames' MediaPipe mask > 0.5 and the prior has a normal (warped like the normals),
at least MARGIN_PX from the frame border in both frames and outside the reflected content of the warp.
Also reported: the face region (conf_face > 0.5 in both), the uncompensated change, the noise floors (twin frames
through the dump; eval_video.py-style N(0, 0.01) on the model input), the metric's own resampling error
(compensating the prior at 128 vs at 256), the change with no / the opposite normal rotation (the sign must give the
lowest), the student's disagreement with the prior, and a student-only ablation that re-renders the clips in Python
with the motion, the exposure drift or the noise switched off (python_path_full must match the dump path).
`prepare --static` is the control: no motion, drift or noise, every change must be 0.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import MANIFEST_PATH, REPO_ROOT, data_dir, linear_to_srgb, normals_from_png, srgb_to_linear, write_json  # noqa: E402

FRAME_PX = 512
FPS = 25
FRAMES = 24
TWIN_EVERY = 4
MAX_SHIFT = 0.05            # of the frame, per axis
SCALE_RANGE = (0.95, 1.06)
MAX_ROT_DEG = 6.0
MAX_EXPOSURE = 0.10
NOISE_SIGMA = 0.01
JPEG_Q = 95
MAX_PORTRAITS = 12
MARGIN_PX = 3               # on the 128 grid
ASTRONAUT = REPO_ROOT / 'demo/assets/astronaut.jpg'
F = np.diag([1.0, -1.0])    # image (x, y_down) <-> camera (x, y_up)


# ---------------------------------------------------------------------------------------------------------------
# Geometry

def to3(m: np.ndarray) -> np.ndarray:
    return np.vstack([np.asarray(m, np.float64).reshape(2, 3), [0, 0, 1]])


def resample_affine(m: np.ndarray, from_px: int, to_px: int) -> np.ndarray:
    """The same affine in the pixel coordinates of a square image resized from from_px to to_px (pixel centres at
    integers, so x_to = (x_from + 0.5) * k - 0.5)."""
    k = to_px / from_px
    t = np.array([[k, 0, 0.5 * k - 0.5], [0, k, 0.5 * k - 0.5], [0, 0, 1]])
    return (t @ to3(m) @ np.linalg.inv(t))[:2]


def camera_rotation(a: np.ndarray) -> np.ndarray:
    """2x2 rotation to apply to camera-space (n_x, n_y) for an image-space affine a (2x3 or 3x3, a similarity)."""
    lin = np.asarray(a, np.float64)[:2, :2]
    r_img = lin / math.sqrt(abs(np.linalg.det(lin)))
    return F @ r_img @ F


def compensate(n: np.ndarray, a: np.ndarray, size_px: int, rotate_normals: float = 1.0) -> np.ndarray:
    """Warps a normal map (H, W, 3) with the image affine a (2x3, src -> dst pixels) and rotates the normals with it.
    rotate_normals=-1 applies the opposite rotation (a diagnostic for the sign), 0 none. Unknown (0) normals stay 0."""
    w = cv2.warpAffine(n.astype(np.float32), np.asarray(a, np.float32)[:2], (size_px, size_px), flags=cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    if rotate_normals != 0:
        r = camera_rotation(a)
        if rotate_normals < 0:
            r = r.T
        w[..., :2] = w[..., :2] @ r.T.astype(np.float32)
    ln = np.linalg.norm(w, axis=-1, keepdims=True)
    return np.where(ln > 0.3, w / np.maximum(ln, 1e-6), 0).astype(np.float32)


def warp_weight(m: np.ndarray, a: np.ndarray, size_px: int) -> np.ndarray:
    """A float mask warped like the normals; > 0.999 means every bilinear tap was inside the mask."""
    return cv2.warpAffine(m.astype(np.float32), np.asarray(a, np.float32)[:2], (size_px, size_px),
                          flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0) > 0.999


def inside_after(inv: np.ndarray, size_px: int, margin_px: float) -> np.ndarray:
    """Pixels q of a size_px image whose preimage inv(q) lies at least margin_px inside a size_px image."""
    yy, xx = np.mgrid[0:size_px, 0:size_px].astype(np.float64)
    inv = to3(inv) if np.asarray(inv).size == 6 else np.asarray(inv)
    px = inv[0, 0] * xx + inv[0, 1] * yy + inv[0, 2]
    py = inv[1, 0] * xx + inv[1, 1] * yy + inv[1, 2]
    lo, hi = margin_px, size_px - 1 - margin_px
    return (px >= lo) & (px <= hi) & (py >= lo) & (py <= hi)


def angles(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.degrees(np.arccos(np.clip((a * b).sum(-1), -1, 1)))


# ---------------------------------------------------------------------------------------------------------------
# Motion and rendering

def motion_params(seed: int, frames: int, static: bool) -> list[dict]:
    """Smooth sinusoids with per-clip random frequency (0.4-1.1 Hz) and phase; amplitudes are the spec's maxima."""
    rng = np.random.default_rng(seed)
    out = []
    waves = {k: (rng.uniform(0.4, 1.1), rng.uniform(0, 2 * math.pi)) for k in ('tx', 'ty', 'scale', 'rot', 'gain')}
    mid_s, amp_s = (SCALE_RANGE[0] + SCALE_RANGE[1]) / 2, (SCALE_RANGE[1] - SCALE_RANGE[0]) / 2

    def wave(k: str, t: float) -> float:
        f, ph = waves[k]
        return 0.0 if static else math.sin(2 * math.pi * f * t + ph)

    for i in range(frames):
        t = i / FPS
        out.append({'t': i, 'tx_px': MAX_SHIFT * FRAME_PX * wave('tx', t), 'ty_px': MAX_SHIFT * FRAME_PX * wave('ty', t),
                    'scale': 1.0 if static else mid_s + amp_s * wave('scale', t), 'rot_deg': MAX_ROT_DEG * wave('rot', t),
                    'gain': 1.0 + MAX_EXPOSURE * wave('gain', t)})
    return out


def frame_affine(p: dict) -> np.ndarray:
    """Still -> frame pixels: q = s R(theta) (x - c) + c + t about the frame centre c. theta is in image coordinates
    (y down), so a positive rot_deg turns the picture clockwise on screen."""
    c = (FRAME_PX - 1) / 2
    th = math.radians(p['rot_deg'])
    s = p['scale']
    lin = s * np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]])
    off = np.array([c, c]) + np.array([p['tx_px'], p['ty_px']]) - lin @ np.array([c, c])
    return np.hstack([lin, off[:, None]])


def load_still(path: Path) -> np.ndarray:
    """Centre square crop (as dump-priors.mjs does), resized to FRAME_PX; RGB float in [0, 1]."""
    im = cv2.imread(str(path))
    if im is None:
        raise SystemExit(f'[EvalVideoHeldout] cannot read {path}')
    h, w = im.shape[:2]
    s = min(h, w)
    y0, x0 = (h - s) // 2, (w - s) // 2
    im = im[y0:y0 + s, x0:x0 + s]
    interp = cv2.INTER_AREA if s > FRAME_PX else cv2.INTER_CUBIC
    im = cv2.resize(im, (FRAME_PX, FRAME_PX), interpolation=interp)
    return cv2.cvtColor(im, cv2.COLOR_BGR2RGB).astype(np.float32) / 255


def render_frame(still: np.ndarray, p: dict, noise_seed: int | None, noise_sigma: float) -> np.ndarray:
    """RGB float frame: warp (reflect border), exposure gain in linear light, Gaussian noise in sRGB."""
    img = cv2.warpAffine(still, frame_affine(p).astype(np.float32), (FRAME_PX, FRAME_PX), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REFLECT_101)
    if p['gain'] != 1.0:
        img = linear_to_srgb(srgb_to_linear(img) * p['gain']).astype(np.float32)
    if noise_seed is not None and noise_sigma > 0:
        img = img + np.random.default_rng(noise_seed).normal(0, noise_sigma, img.shape).astype(np.float32)
    return np.clip(img, 0, 1)


def jpeg_bytes(rgb: np.ndarray) -> bytes:
    ok, buf = cv2.imencode('.jpg', cv2.cvtColor((rgb * 255 + 0.5).astype(np.uint8), cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, JPEG_Q])
    assert ok
    return buf.tobytes()


def clip_seed(name: str) -> int:
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)


def held_out_portraits(limit: int) -> list[dict]:
    """One validation portrait per person, excluding people who also appear in TRAIN items (the lisa set is one
    person over four files, grouped per file, and the composites are averages of London-set faces), London people
    alternating neutral/smiling."""
    man = json.loads(MANIFEST_PATH.read_text())
    val = [p for p in man['priors'] if p['split'] == 'val' and p['clip'] is None]
    chosen: dict[str, dict] = {}
    for p in sorted(val, key=lambda p: (p['group'], p['source'])):
        folder = p['source'].split('/')[1]
        if folder in ('lisa', 'composite', 'zoom'):
            continue
        if p['group'] in chosen:
            continue
        chosen[p['group']] = p
    london = [g for g in chosen if g.startswith('london:')]
    for i, g in enumerate(london):     # alternate expressions: the other item of that person when i is odd
        if i % 2:
            alt = [p for p in val if p['group'] == g and 'smiling_front' in p['source']]
            if alt:
                chosen[g] = alt[0]
    others = [chosen[g] for g in chosen if not g.startswith('london:')]
    picks = others + [chosen[g] for g in london]
    return picks[:limit]


def prepare(out: Path, limit: int, frames: int, static: bool) -> None:
    root = data_dir()
    stills = []
    for p in held_out_portraits(limit):
        path = root / p['source']
        got = hashlib.sha256(path.read_bytes()).hexdigest()
        if p.get('source_sha256') and got != p['source_sha256']:
            raise SystemExit(f'[EvalVideoHeldout] {path}: sha256 differs from data_manifest.json')
        name = Path(p['source']).parent.name + '_' + Path(p['source']).stem
        stills.append({'clip': name, 'source': p['source'], 'source_sha256': got, 'group': p['group'], 'path': path})
    stills.append({'clip': 'astronaut', 'source': str(ASTRONAUT.relative_to(REPO_ROOT)), 'group': 'demo',
                   'source_sha256': hashlib.sha256(ASTRONAUT.read_bytes()).hexdigest(), 'path': ASTRONAUT})
    noise = 0.0 if static else NOISE_SIGMA
    clips = {}
    n_img = 0
    for s in stills:
        still = load_still(s['path'])
        seed = clip_seed(s['clip'])
        params = motion_params(seed, frames, static)
        twins = list(range(0, frames, TWIN_EVERY)) if not static else []
        d = out / 'portraits' / s['clip']
        d.mkdir(parents=True, exist_ok=True)
        for p in params:
            (d / f'{p["t"]:03d}.jpg').write_bytes(jpeg_bytes(render_frame(still, p, seed * 1000 + 2 * p['t'], noise)))
            n_img += 1
        if twins:
            dt = out / 'portraits' / f'{s["clip"]}_twin'
            dt.mkdir(parents=True, exist_ok=True)
            for t in twins:
                (dt / f'{t:03d}.jpg').write_bytes(jpeg_bytes(render_frame(still, params[t], seed * 1000 + 2 * t + 1, noise)))
                n_img += 1
        clips[s['clip']] = {
            'source': s['source'], 'source_sha256': s['source_sha256'], 'group': s['group'], 'seed': seed,
            'twins': twins, 'frames': [{**{k: round(v, 6) if isinstance(v, float) else v for k, v in p.items()},
                                        'affine': np.round(frame_affine(p), 9).tolist()} for p in params]}
    meta = {'version': 1, 'generated_by': 'models/training/eval_video_heldout.py prepare', 'frame_px': FRAME_PX,
            'fps': FPS, 'frames': frames, 'static': static, 'noise_sigma': noise, 'jpeg_quality': JPEG_Q,
            'affine': 'still pixel coords -> frame pixel coords (cv2.warpAffine M), pixel centres at integers',
            'rot_deg': 'image coordinates (y down): positive = clockwise on screen', 'clips': clips}
    write_json(out / 'motion.json', meta)
    print(f'[EvalVideoHeldout] wrote {n_img} frames of {len(clips)} clips to {out / "portraits"}; '
          f'now: node scripts/dump-priors.mjs --data {out} --out {out / "priors"} --only portraits')


# ---------------------------------------------------------------------------------------------------------------
# Evaluation

def load_model(checkpoint: Path):
    import torch
    from model import build_model, load_compatible
    torch.set_num_threads(1)
    ck = torch.load(checkpoint, map_location='cpu')
    model = build_model(ck['config'])
    load_compatible(model, ck['model'])
    model.eval()
    return model, int(ck['config']['data']['size'])


def run_student(model, xs: np.ndarray) -> np.ndarray:
    import torch
    outs = []
    with torch.no_grad():
        for i in range(0, len(xs), 16):
            n = model(torch.from_numpy(xs[i:i + 16].astype(np.float32)))[0].numpy().transpose(0, 2, 3, 1)
            outs.append(n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-6))
    return np.concatenate(outs)


def load_dumped(prefix: Path, size: int) -> dict:
    rgb = cv2.cvtColor(cv2.imread(f'{prefix}_rgb.png'), cv2.COLOR_BGR2RGB)
    mask = cv2.imread(f'{prefix}_mask.png', cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255
    cf = cv2.imread(f'{prefix}_conf_face.png', cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255
    prior = normals_from_png(cv2.cvtColor(cv2.imread(f'{prefix}_normal.png'), cv2.COLOR_BGR2RGB))
    mask_s = cv2.resize(mask, (size, size), interpolation=cv2.INTER_AREA)
    x = np.concatenate([cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255,
                        mask_s[..., None]], -1).transpose(2, 0, 1)
    p = cv2.resize(prior, (size, size), interpolation=cv2.INTER_AREA)
    lp = np.linalg.norm(p, axis=-1, keepdims=True)
    p = np.where(lp > 0.5, p / np.maximum(lp, 1e-6), 0).astype(np.float32)
    return {'x': x, 'prior': p, 'prior_full': prior, 'mask': mask_s > 0.5, 'face': cv2.resize(cf, (size, size), interpolation=cv2.INTER_AREA) > 0.5,
            'rgb': rgb}


def stats(v: list[np.ndarray]) -> dict:
    a = np.concatenate(v) if v else np.zeros(0)
    if a.size == 0:
        return {'mean_deg': None, 'p95_deg': None, 'pixels': 0}
    return {'mean_deg': round(float(a.mean()), 3), 'p95_deg': round(float(np.percentile(a, 95)), 3), 'pixels': int(a.size)}


def normals_rgb(n: np.ndarray) -> np.ndarray:
    return (np.clip(n * 0.5 + 0.5, 0, 1) * 255 + 0.5).astype(np.uint8)


ABLATIONS = {   # name: (keep the motion, keep the exposure drift, keep the noise)
    'python_path_full': (True, True, True),
    'no_exposure_drift': (True, False, True),
    'motion_only': (True, False, False),
    'exposure_and_noise_only': (False, True, True),
}


def still_path(c: dict) -> Path:
    path = (data_dir() if c['source'].startswith('portraits/') else REPO_ROOT) / c['source']
    if hashlib.sha256(path.read_bytes()).hexdigest() != c['source_sha256']:
        raise SystemExit(f'[EvalVideoHeldout] {path}: not the still motion.json was rendered from')
    return path


def ablation_inputs(c: dict, masks: list[np.ndarray], size: int, noise_sigma: float, name: str) -> np.ndarray:
    """Student inputs re-rendered in Python (warp, gain, noise, JPEG q95, INTER_AREA to 256 like the dump's rgb, then
    to the model size) with parts of the degradation switched off. Without motion every frame takes frame 0's
    geometry and mask. The noise seeds are those of the files on disk."""
    motion, exposure, noise = ABLATIONS[name]
    still = load_still(still_path(c))
    xs = []
    for t, f in enumerate(c['frames']):
        p = dict(f if motion else {**c['frames'][0], 'gain': f['gain']})
        if not exposure:
            p['gain'] = 1.0
        img = render_frame(still, p, c['seed'] * 1000 + 2 * t if noise else None, noise_sigma)
        img = cv2.cvtColor(cv2.imdecode(np.frombuffer(jpeg_bytes(img), np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        img = cv2.resize(cv2.resize(img, (256, 256), interpolation=cv2.INTER_AREA), (size, size), interpolation=cv2.INTER_AREA)
        m = masks[t if motion else 0]
        xs.append(np.concatenate([img.astype(np.float32) / 255, m[..., None]], -1).transpose(2, 0, 1))
    return np.stack(xs)


def evaluate(out: Path, checkpoint: Path, picture: Path | None, picture_clip: str | None, ablation: bool = True) -> dict:
    cv2.setNumThreads(1)
    motion = json.loads((out / 'motion.json').read_text())
    man = json.loads((out / 'priors' / 'manifest.json').read_text())
    by_source = {it['source']: it['id'] for it in man['items']}
    failures = man.get('failures') or []
    model, size = load_model(checkpoint)
    rng = np.random.default_rng(0)
    keys = ('student', 'prior', 'student_face', 'prior_face', 'student_raw', 'prior_raw',
            'student_twin', 'prior_twin', 'student_addnoise', 'agree_face', 'agree_person',
            'prior_sign_none', 'prior_sign_flipped', 'student_sign_none', 'student_sign_flipped', 'resampling',
            *[f'ablation_{n}' for n in ABLATIONS])
    pooled: dict[str, list] = {k: [] for k in keys}
    per_clip = {}
    missing = []
    vis = None
    for clip, c in motion['clips'].items():
        nfr = len(c['frames'])
        ids = [by_source.get(f'portraits/{clip}/{t:03d}.jpg') for t in range(nfr)]
        twin_ids = {t: by_source.get(f'portraits/{clip}_twin/{t:03d}.jpg') for t in c['twins']}
        if any(i is None for i in ids) or any(i is None for i in twin_ids.values()):
            missing.append(clip)
            print(f'[EvalVideoHeldout] {clip}: frames missing from the dump, skipped')
            continue
        fr = [load_dumped(out / 'priors' / i, size) for i in ids]
        tw = {t: load_dumped(out / 'priors' / i, size) for t, i in twin_ids.items()}
        xs = [f['x'] for f in fr] + [tw[t]['x'] for t in c['twins']]
        noisy = []
        for t in c['twins']:     # eval_video.py's noise floor: N(0, 0.01) added to the model input, for comparison
            x = fr[t]['x'].copy()
            x[:3] = np.clip(x[:3] + rng.normal(0, 0.01, x[:3].shape), 0, 1)
            noisy.append(x)
        ns = run_student(model, np.stack(xs + noisy))
        st, st_twin, st_noisy = ns[:nfr], ns[nfr:nfr + len(c['twins'])], ns[nfr + len(c['twins']):]
        mats = [to3(resample_affine(np.array(f['affine']), motion['frame_px'], size)) for f in c['frames']]
        full = fr[0]['prior_full'].shape[0]
        mats_full = [to3(resample_affine(np.array(f['affine']), motion['frame_px'], full)) for f in c['frames']]
        region = [f['mask'] & (np.linalg.norm(f['prior'], axis=-1) > 0.5) for f in fr]
        cl: dict[str, list] = {k: [] for k in keys}
        changes = {}
        pair_w = []
        for t in range(nfr - 1):
            a = mats[t + 1] @ np.linalg.inv(mats[t])
            w = (warp_weight(region[t], a, size) & region[t + 1] & inside_after(np.linalg.inv(a), size, MARGIN_PX)
                 & inside_after(np.linalg.inv(mats[t + 1]), size, MARGIN_PX))
            wf = w & warp_weight(fr[t]['face'], a, size) & fr[t + 1]['face']
            pair_w.append((a, w))
            ds = angles(compensate(st[t], a, size), st[t + 1])
            dp = angles(compensate(fr[t]['prior'], a, size), fr[t + 1]['prior'])
            changes[t + 1] = (np.where(w, ds, np.nan), np.where(w, dp, np.nan))
            cl['student'].append(ds[w])
            cl['prior'].append(dp[w])
            cl['student_face'].append(ds[wf])
            cl['prior_face'].append(dp[wf])
            cl['student_raw'].append(angles(st[t], st[t + 1])[region[t] & region[t + 1]])
            cl['prior_raw'].append(angles(fr[t]['prior'], fr[t + 1]['prior'])[region[t] & region[t + 1]])
            # the metric's own resampling error: compensating at 128 vs at the dump's 256 then INTER_AREA to 128
            hi = cv2.resize(compensate(fr[t]['prior_full'], mats_full[t + 1] @ np.linalg.inv(mats_full[t]), full),
                            (size, size), interpolation=cv2.INTER_AREA)
            hi /= np.maximum(np.linalg.norm(hi, axis=-1, keepdims=True), 1e-6)
            cl['resampling'].append(angles(compensate(fr[t]['prior'], a, size), hi)[w])
            for sign, name in ((0, 'none'), (-1, 'flipped')):
                cl[f'prior_sign_{name}'].append(angles(compensate(fr[t]['prior'], a, size, sign), fr[t + 1]['prior'])[w])
                cl[f'student_sign_{name}'].append(angles(compensate(st[t], a, size, sign), st[t + 1])[w])
        for j, t in enumerate(c['twins']):
            w = region[t] & tw[t]['mask'] & (np.linalg.norm(tw[t]['prior'], axis=-1) > 0.5)
            cl['student_twin'].append(angles(st[t], st_twin[j])[w])
            cl['prior_twin'].append(angles(fr[t]['prior'], tw[t]['prior'])[w])
            cl['student_addnoise'].append(angles(st[t], st_noisy[j])[region[t]])
        for t in range(nfr):
            wf = region[t] & fr[t]['face']
            cl['agree_face'].append(angles(st[t], fr[t]['prior'])[wf])
            cl['agree_person'].append(angles(st[t], fr[t]['prior'])[region[t]])
        if ablation:
            masks = [f['x'][3] for f in fr]
            still_w = region[0] & inside_after(np.linalg.inv(mats[0]), size, MARGIN_PX)
            for name in ABLATIONS:
                sa = run_student(model, ablation_inputs(c, masks, size, motion['noise_sigma'], name))
                for t, (a, w) in enumerate(pair_w):
                    if ABLATIONS[name][0]:
                        cl[f'ablation_{name}'].append(angles(compensate(sa[t], a, size), sa[t + 1])[w])
                    else:
                        cl[f'ablation_{name}'].append(angles(sa[t], sa[t + 1])[still_w])
        for k in keys:
            pooled[k] += cl[k]
        per_clip[clip] = {'source': c['source'], 'pairs': nfr - 1,
                          'student': stats(cl['student']), 'prior': stats(cl['prior']),
                          'student_face': stats(cl['student_face']), 'prior_face': stats(cl['prior_face']),
                          'student_noise_floor': stats(cl['student_twin']), 'prior_noise_floor': stats(cl['prior_twin']),
                          'student_vs_prior_face': stats(cl['agree_face']),
                          'metric_resampling_floor_prior': stats(cl['resampling']),
                          'student_ablation_mean_deg': {n: stats(cl[f'ablation_{n}'])['mean_deg'] for n in ABLATIONS} if ablation else None,
                          'face_found_frames': sum(bool(it.get('faceFound')) for it in man['items']
                                                   if it['source'].startswith(f'portraits/{clip}/'))}
        if picture is not None and (vis is None or clip == picture_clip):
            vis = (clip, fr, st, changes)
    r = {
        'what': 'motion-compensated angular change of the normals between consecutive frames (25 fps), held-out '
                'synthetic clips (see eval_video_heldout.py); pixel-pooled mean/p95 in degrees on the 128 grid',
        'checkpoint': str(checkpoint.resolve().relative_to(REPO_ROOT)) if checkpoint.resolve().is_relative_to(REPO_ROOT) else str(checkpoint),
        'clips': len(per_clip), 'pairs': sum(v['pairs'] for v in per_clip.values()), 'skipped_clips': missing,
        'dump_failures': len(failures),
        'motion': {'max_shift_frac': MAX_SHIFT, 'scale_range': SCALE_RANGE, 'max_rot_deg': MAX_ROT_DEG,
                   'max_exposure': MAX_EXPOSURE, 'noise_sigma': motion['noise_sigma'], 'static': motion['static'],
                   'max_step_rot_deg': round(max(abs(b['rot_deg'] - a['rot_deg']) for c in motion['clips'].values()
                                                 for a, b in zip(c['frames'], c['frames'][1:])), 3),
                   'max_step_shift_px_at_128': round(max(math.hypot(b['tx_px'] - a['tx_px'], b['ty_px'] - a['ty_px'])
                                                         for c in motion['clips'].values()
                                                         for a, b in zip(c['frames'], c['frames'][1:])) * 128 / motion['frame_px'], 3)},
        'student': stats(pooled['student']), 'prior': stats(pooled['prior']),
        'student_face': stats(pooled['student_face']), 'prior_face': stats(pooled['prior_face']),
        'metric_resampling_floor_prior': stats(pooled['resampling']),
        'student_uncompensated': stats(pooled['student_raw']), 'prior_uncompensated': stats(pooled['prior_raw']),
        'student_noise_floor_twin': stats(pooled['student_twin']), 'prior_noise_floor_twin': stats(pooled['prior_twin']),
        'student_noise_floor_input_noise': stats(pooled['student_addnoise']),
        'student_vs_prior_face': stats(pooled['agree_face']), 'student_vs_prior_person': stats(pooled['agree_person']),
        'student_ablation': {n: stats(pooled[f'ablation_{n}']) for n in ABLATIONS} if ablation else None,
        'sign_check': {'prior_correct': stats(pooled['prior'])['mean_deg'],
                       'prior_no_normal_rotation': stats(pooled['prior_sign_none'])['mean_deg'],
                       'prior_flipped_rotation': stats(pooled['prior_sign_flipped'])['mean_deg'],
                       'student_correct': stats(pooled['student'])['mean_deg'],
                       'student_no_normal_rotation': stats(pooled['student_sign_none'])['mean_deg'],
                       'student_flipped_rotation': stats(pooled['student_sign_flipped'])['mean_deg']},
        'per_clip': per_clip,
    }
    if picture is not None and vis is not None:
        save_picture(picture, *vis)
        r['picture'] = str(picture.resolve().relative_to(REPO_ROOT)) if picture.resolve().is_relative_to(REPO_ROOT) else str(picture)
    return r


def heat(d: np.ndarray, max_deg: float = 10.0) -> np.ndarray:
    v = np.nan_to_num(np.clip(d / max_deg, 0, 1), nan=0.0)
    img = cv2.applyColorMap((v * 255).astype(np.uint8), cv2.COLORMAP_INFERNO)
    img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    img[np.isnan(d)] = (40, 40, 40)
    return img


def save_picture(path: Path, clip: str, fr: list, st: np.ndarray, changes: dict) -> None:
    """Rows: frames of one clip. Columns: input | student normals | prior normals | student change | prior change
    (motion-compensated change from the previous frame, 0..10 deg, grey = not scored)."""
    cell = 256
    rows = []
    ts = [t for t in (1, 6, 12, 18, 23) if t < len(fr)]
    for t in ts:
        ds, dp = changes.get(t, (np.full(st[t].shape[:2], np.nan),) * 2)
        cells = [fr[t]['rgb'], normals_rgb(st[t]), normals_rgb(fr[t]['prior']), heat(ds), heat(dp)]
        cells = [cv2.resize(c, (cell, cell), interpolation=cv2.INTER_NEAREST if i else cv2.INTER_AREA)
                 for i, c in enumerate(cells)]
        row = np.concatenate(cells, 1)
        cv2.putText(row, f'{clip} t={t}', (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 0), 1)
        rows.append(row)
    img = np.concatenate(rows, 0)
    header = np.zeros((22, img.shape[1], 3), np.uint8)
    for i, s in enumerate(('input', 'student normals', 'prior normals', 'student change 0-10deg', 'prior change 0-10deg')):
        cv2.putText(header, s, (i * cell + 6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(np.concatenate([header, img], 0), cv2.COLOR_RGB2BGR))
    print(f'[EvalVideoHeldout] picture: {path}')


# ---------------------------------------------------------------------------------------------------------------
# Self-test of the metric (no data needed)

FAILS: list[str] = []


def check(cond: bool, what: str, detail: str = '') -> None:
    print(('PASS ' if cond else 'FAIL ') + what + (f'  ({detail})' if detail else ''))
    if not cond:
        FAILS.append(what)


def sphere_normals(size: int, cx: float, cy: float, r: float) -> tuple[np.ndarray, np.ndarray]:
    """Camera-space normals of a sphere drawn at image (cx, cy) with radius r px (y down in rows, +y up in n)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    u, v = (xx - cx) / r, (yy - cy) / r
    inside = u * u + v * v < 1
    n = np.stack([u, -v, np.sqrt(np.clip(1 - u * u - v * v, 0, 1))], -1)
    return np.where(inside[..., None], n, 0).astype(np.float32), inside


def height_normals(size: int, a: np.ndarray | None) -> np.ndarray:
    """Normals of an asymmetric height field (px units), optionally drawn through the similarity a (src -> dst):
    h_dst(q) = s * h(a^-1 q), which keeps the 3D shape (a uniformly scaled, rolled and shifted surface)."""
    s = 1.0 if a is None else math.sqrt(abs(np.linalg.det(to3(a)[:2, :2])))
    c = size / 2

    def h(x, y):
        x, y = (x - c) / size, (y - c) / size
        return size * (0.25 * np.exp(-((x - 0.12) ** 2 + (y + 0.08) ** 2) / 0.02)
                       + 0.12 * np.exp(-((x + 0.14) ** 2 + (y - 0.12) ** 2) / 0.008) + 0.3 * x * y)

    e = 1e-3   # gradient in destination pixels by central differences of the composed function
    yy0, xx0 = np.mgrid[0:size, 0:size].astype(np.float64)
    if a is not None:
        inv = np.linalg.inv(to3(a))

        def hd(x, y):
            return s * h(inv[0, 0] * x + inv[0, 1] * y + inv[0, 2], inv[1, 0] * x + inv[1, 1] * y + inv[1, 2])
    else:
        def hd(x, y):
            return h(x, y)
    gx = (hd(xx0 + e, yy0) - hd(xx0 - e, yy0)) / (2 * e)
    gy = (hd(xx0, yy0 + e) - hd(xx0, yy0 - e)) / (2 * e)   # d/d(row), rows go down
    n = np.stack([-gx, gy, np.ones_like(gx)], -1)          # camera +y up: n_y = +dh/drow
    return (n / np.linalg.norm(n, axis=-1, keepdims=True)).astype(np.float32)


def selftest() -> int:
    cv2.setNumThreads(1)
    s = 128
    # 1. zero motion: identity affine, the same map -> exactly zero change everywhere it is defined.
    n0, in0 = sphere_normals(s, 60, 70, 35)
    eye = np.array([[1, 0, 0], [0, 1, 0]], np.float64)
    d0 = angles(compensate(n0, eye, s), n0)[in0]
    check(float(d0.max()) < 1e-2, 'zero motion -> zero change', f'max {d0.max():.2e} deg')

    # 2. the frame affine: the still's centre moves by the translation; rot_deg > 0 turns clockwise on screen.
    p = {'tx_px': 10.0, 'ty_px': -5.0, 'scale': 1.0, 'rot_deg': 90.0, 'gain': 1.0}
    m = frame_affine(p)
    c = (FRAME_PX - 1) / 2
    check(np.allclose(m @ [c, c, 1], [c + 10, c - 5]), 'frame_affine: centre moves by (tx, ty)')
    # a point right of the centre goes DOWN on screen (clockwise) for +90 deg
    check(np.allclose(m @ [c + 100, c, 1], [c + 10, c - 5 + 100], atol=1e-6), 'frame_affine: +rot is clockwise on screen')

    # 3. resample_affine: warping at 512 then INTER_AREA down to 128 == down first then the resampled affine.
    big = np.zeros((FRAME_PX, FRAME_PX), np.float32)
    cv2.circle(big, (300, 200), 60, 1.0, -1)
    a512 = frame_affine({'tx_px': 17.0, 'ty_px': -9.0, 'scale': 1.04, 'rot_deg': 5.0, 'gain': 1.0})
    ref = cv2.resize(cv2.warpAffine(big, a512.astype(np.float32), (FRAME_PX, FRAME_PX)), (s, s), interpolation=cv2.INTER_AREA)
    small = cv2.warpAffine(cv2.resize(big, (s, s), interpolation=cv2.INTER_AREA),
                           resample_affine(a512, FRAME_PX, s).astype(np.float32), (s, s))

    def centroid(im):
        yy, xx = np.mgrid[0:s, 0:s]
        return np.array([(im * xx).sum() / im.sum(), (im * yy).sum() / im.sum()])
    dc = np.abs(centroid(ref) - centroid(small)).max()
    check(dc < 0.05, 'resample_affine keeps pixel-centre geometry', f'centroid diff {dc:.3f} px')

    # 4. sphere: warping + rotating the normals of a sphere equals the sphere drawn at the moved place. The wrong
    #    rotation sign (or none) must be clearly worse, so the test can fail.
    for rot in (6.0, -6.0, 25.0):
        a = resample_affine(frame_affine({'tx_px': 20.0, 'ty_px': 12.0, 'scale': 1.05, 'rot_deg': rot, 'gain': 1.0}), FRAME_PX, s)
        cx, cy = a @ [60, 70, 1]
        n1, in1 = sphere_normals(s, cx, cy, 35 * 1.05)
        inner = cv2.erode((in1 & warp_weight(in0, a, s)).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        good = angles(compensate(n0, a, s), n1)[inner].mean()
        none = angles(compensate(n0, a, s, 0), n1)[inner].mean()
        flip = angles(compensate(n0, a, s, -1), n1)[inner].mean()
        check(good < 0.25 and flip > 1.5 * abs(rot) * 0.5 and none > 0.5 * abs(rot) * 0.5,
              f'sphere, rotation {rot:+.0f} deg: compensated change ~0, wrong sign is not',
              f'correct {good:.3f}, none {none:.2f}, flipped {flip:.2f} deg')

    # 5. asymmetric height field under a similarity (independent derivation of the camera-space rotation).
    a = resample_affine(frame_affine({'tx_px': -15.0, 'ty_px': 8.0, 'scale': 0.97, 'rot_deg': 20.0, 'gain': 1.0}), FRAME_PX, s)
    h0, h1 = height_normals(s, None), height_normals(s, a)
    inner = inside_after(np.linalg.inv(to3(a)), s, 4)
    good = angles(compensate(h0, a, s), h1)[inner].mean()
    flip = angles(compensate(h0, a, s, -1), h1)[inner].mean()
    check(good < 0.5 and flip > 5, 'height field, rotation 20 deg: compensated ~0, flipped sign is not',
          f'correct {good:.3f}, flipped {flip:.2f} deg')

    # 6. inside_after: identity keeps the interior minus the margin; a shift excludes the uncovered band.
    check(int(inside_after(eye, s, 3).sum()) == (s - 6) ** 2, 'inside_after: identity = interior minus margin')
    shift = np.array([[1, 0, 10], [0, 1, 0]], np.float64)    # content moves right by 10 px
    ins = inside_after(np.linalg.inv(to3(shift)), s, 0)
    check(not ins[:, :10].any() and ins[:, 10:].all(), 'inside_after: a 10 px shift uncovers the left 10 columns')

    # 7. rendering: zero motion and no noise reproduce the still up to JPEG; motion ranges stay inside the spec.
    still = np.random.default_rng(1).uniform(0, 1, (FRAME_PX, FRAME_PX, 3)).astype(np.float32)
    still = cv2.GaussianBlur(still, (0, 0), 4)
    p0 = motion_params(5, 4, static=True)[0]
    check(np.abs(render_frame(still, p0, None, 0) - still).max() < 1e-5, 'static frame == still')
    allp = [p for sd in range(50) for p in motion_params(sd, FRAMES, False)]
    check(max(abs(p['tx_px']) for p in allp) <= MAX_SHIFT * FRAME_PX + 1e-6
          and SCALE_RANGE[0] - 1e-6 <= min(p['scale'] for p in allp) and max(p['scale'] for p in allp) <= SCALE_RANGE[1] + 1e-6
          and max(abs(p['rot_deg']) for p in allp) <= MAX_ROT_DEG + 1e-6
          and max(abs(p['gain'] - 1) for p in allp) <= MAX_EXPOSURE + 1e-6, 'motion ranges inside the spec')
    n_a = render_frame(still, p0, 7, NOISE_SIGMA)
    n_b = render_frame(still, p0, 8, NOISE_SIGMA)
    sd = float((n_a - n_b).std() / math.sqrt(2))
    check(abs(sd - NOISE_SIGMA) < 0.001, 'sensor noise sigma', f'{sd:.4f}')
    print('selftest:', 'OK' if not FAILS else f'{len(FAILS)} FAILED: {FAILS}')
    return 1 if FAILS else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('prepare')
    p.add_argument('--dir', type=Path, required=True)
    p.add_argument('--portraits', type=int, default=MAX_PORTRAITS, help='held-out portraits (one per person)')
    p.add_argument('--frames', type=int, default=FRAMES)
    p.add_argument('--static', action='store_true', help='control: no motion, no exposure drift, no noise, no twins')
    e = sub.add_parser('evaluate')
    e.add_argument('--dir', type=Path, required=True)
    e.add_argument('--checkpoint', type=Path, default=REPO_ROOT / 'models/training/results/gpu_h100/student.pt')
    e.add_argument('--json', type=Path)
    e.add_argument('--picture', type=Path, default=REPO_ROOT / 'tests/.artifacts/student/heldout-video.png')
    e.add_argument('--picture-clip', default=None, help='clip for the picture (default: the first)')
    e.add_argument('--no-ablation', action='store_true', help='skip the student-only re-rendered ablations')
    sub.add_parser('selftest')
    args = ap.parse_args()
    if args.cmd == 'prepare':
        prepare(args.dir, args.portraits, args.frames, args.static)
    elif args.cmd == 'evaluate':
        r = evaluate(args.dir, args.checkpoint, args.picture, args.picture_clip, not args.no_ablation)
        print(json.dumps({k: v for k, v in r.items() if k != 'per_clip'}, indent=1))
        for clip, v in r['per_clip'].items():
            print(f"{clip:28s} student {v['student']['mean_deg']}/{v['student']['p95_deg']}  "
                  f"prior {v['prior']['mean_deg']}/{v['prior']['p95_deg']}  "
                  f"floor s {v['student_noise_floor']['mean_deg']} p {v['prior_noise_floor']['mean_deg']}  "
                  f"vs-prior face {v['student_vs_prior_face']['mean_deg']}  faces {v['face_found_frames']}")
        if args.json:
            write_json(args.json, r)
    else:
        sys.exit(selftest())


if __name__ == '__main__':
    main()

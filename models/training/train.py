"""Trains the geometry student end to end: pack -> train -> evaluate -> export ONNX (+ browser fixtures).

    /usr/bin/python3 models/training/train.py --config models/training/configs/cpu_small.json [--install]
    python3 models/training/train.py --config models/training/configs/gpu_h100.json --pack .traindata/pack.npz --out DIR

- The pack (.traindata/pack.npz) is rebuilt from data_manifest.json when missing or stale (needs ../shared/data).
- Seeds are fixed (config "seed"); on CPU the run is deterministic for a given torch build and thread count.
- Outputs go to --out (default models/training/runs/<config name>/): student.pt (EMA weights + config),
  student.onnx, metrics.json, log.jsonl, preview PNGs. --install copies the ONNX to models/student.onnx and writes
  tests/fixtures/student/* (PyTorch outputs for the browser parity test).
"""
from __future__ import annotations

import argparse
import copy
import fcntl
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from augment import TrainData, augment, cat_sources, prior_source, yale_source  # noqa: E402
from common import DEFAULT_PACK, MANIFEST_PATH, REPO_ROOT, TRAINING_DIR, seed_everything, sha256_file, write_json  # noqa: E402
from losses import (angle_deg, confidence_target, normal_loss, pal_loss, render, temporal_loss, wmean)  # noqa: E402
from model import build_model, count_macs, count_params, load_compatible  # noqa: E402

RESUME_NAME = 'resume.pt'


def load_config(path: Path) -> dict:
    cfg = json.loads(path.read_text())
    base = cfg.pop('extends', None)
    if base:
        parent = load_config(path.parent / base)
        for k, v in cfg.items():
            parent[k] = {**parent[k], **v} if isinstance(v, dict) and isinstance(parent.get(k), dict) else v
        cfg = parent
    return cfg


def ensure_pack(pack: Path, allow_build: bool) -> None:
    want = sha256_file(MANIFEST_PATH) if MANIFEST_PATH.exists() else None
    if pack.exists():
        meta = json.loads(str(np.load(pack)['meta']))
        if want is None or meta['manifest_sha256'] == want:
            return
        print(f'[Train] pack {pack} is stale (manifest changed)')
    if not allow_build:
        raise SystemExit(f'[Train] pack {pack} missing or stale and --no-build given')
    print('[Train] building the pack from data_manifest.json ...')
    subprocess.run([sys.executable, str(TRAINING_DIR / 'pack_data.py'), '--out', str(pack)], check=True)


# ---------------------------------------------------------------------------------------------------------------

def sample_batch(d: TrainData, cfg: dict, gen: torch.Generator) -> dict:
    dc = cfg['data']
    b = dc['batch']
    dev = d.device
    n_prior = int(round(b * dc['prior_frac'])) if d.has_priors else 0
    n_pairs = min(int(round(b * dc['pair_frac'] / 2)), n_prior // 2) if len(d.pairs) else 0
    n_single = n_prior - 2 * n_pairs
    n_yale = b - n_prior
    parts = []
    if n_pairs:
        pi = d.pairs[torch.randint(0, len(d.pairs), (n_pairs,), generator=gen, device=dev)]
        n_still = int(round(n_pairs * dc.get('still_pair_frac', 0.0)))
        if n_still:
            # Pairs made of one still twice (with pair_motion: a moving still): many more faces than the GRID clips.
            si = d.prior_train_idx[torch.randint(0, len(d.prior_train_idx), (n_still,), generator=gen, device=dev)]
            pi = torch.cat([torch.stack([si, si], 1), pi[n_still:]])
        parts.append(prior_source(d, torch.cat([pi[:, 0], pi[:, 1]])))
    if n_single:
        parts.append(prior_source(d, d.prior_train_idx[torch.randint(0, len(d.prior_train_idx), (n_single,), generator=gen, device=dev)]))
    if n_yale:
        yi = d.yale_train_img[torch.randint(0, len(d.yale_train_img), (n_yale,), generator=gen, device=dev)]
        parts.append(yale_source(d, yi, dc['size']))
    return augment(cat_sources(parts), cfg, gen, d.lights, n_pairs=n_pairs, train=True)


def normalise_albedo(batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """Albedo targets have no absolute scale: bring each sample's weighted mean to 0.5 and rescale its light."""
    w = batch['w_alb']
    m = (batch['albedo'].mean(1, keepdim=True) * w).sum((1, 2, 3)) / w.sum((1, 2, 3)).clamp(min=1e-6)
    k = torch.where(m > 1e-3, 0.5 / m.clamp(min=1e-3), torch.ones_like(m))
    return (batch['albedo'] * k.view(-1, 1, 1, 1)).clamp(0, 1), batch['sh'] / k.view(-1, 1, 1)


def compute_losses(model, batch: dict, cfg: dict, teacher=None) -> tuple[torch.Tensor, dict]:
    lc = cfg['loss']
    n, conf, alb = model(batch['input'])
    tn = batch['normal']
    parts = {
        'normal_face': normal_loss(n, tn, batch['w_face']),
        'normal_sil': normal_loss(n, tn, batch['w_sil']),
        'normal_ps': normal_loss(n, tn, batch['w_ps']),
    }
    alb_t, sh_r = normalise_albedo(batch)
    parts['albedo'], parts['albedo_aligned'], parts['albedo_unaligned'] = pal_loss(
        alb, alb_t, batch['w_alb'], lc.get('unaligned_albedo', lc['unaligned']))
    w_r = batch['person'] * batch['valid']
    rend = render(alb, n, sh_r)
    parts['render'], parts['render_aligned'], parts['render_unaligned'] = pal_loss(
        rend, batch['render_target'], w_r, lc.get('unaligned_render', lc['unaligned']))
    sup = torch.maximum(torch.maximum(batch['w_face'], batch['w_sil']), batch['w_ps'])
    ct, cw = confidence_target(n, tn, sup, batch['person'], batch['valid'])
    parts['confidence'] = wmean(F.binary_cross_entropy(conf.clamp(1e-5, 1 - 1e-5), ct, reduction='none'), cw)
    parts['temporal'] = temporal_loss(n, tn, batch['person'] * batch['valid'], batch['pair_a'], batch['pair_b'])
    total = (lc['normal_face'] * parts['normal_face'] + lc['normal_sil'] * parts['normal_sil'] +
             lc['normal_ps'] * parts['normal_ps'] + lc['albedo'] * parts['albedo'] + lc['render'] * parts['render'] +
             lc['confidence'] * parts['confidence'] + lc['temporal'] * parts['temporal'])
    if teacher is not None:
        # Distillation from the previous stage's network (config "distill"): dense targets everywhere in the person,
        # so a changed architecture (e.g. new upsamplers) relearns in hundreds of steps instead of a GPU run.
        with torch.no_grad():
            t_n, _, t_alb = teacher(batch['input'])
        parts['distill'] = normal_loss(n, t_n, w_r) + 0.5 * wmean((alb - t_alb).abs().mean(1, keepdim=True), w_r)
        total = total + cfg['distill']['weight'] * parts['distill']
    return total, {k: float(v.detach()) for k, v in parts.items()}


# ---------------------------------------------------------------------------------------------------------------
# Evaluation

@torch.no_grad()
def yale_eval_batches(d: TrainData, cfg: dict, moderate_only: bool, chunk: int = 64):
    """Held-out Yale B subjects, unaugmented (face-filling crop centred on the canvas, mask = crop)."""
    idx = d.yale_eval_img
    if moderate_only:
        lt = torch.from_numpy(d.yale_img_light.astype(np.int64)).to(d.device)[idx]
        idx = idx[(lt[:, 0].abs() <= 50) & (lt[:, 1] <= 45)]
    for s in range(0, len(idx), chunk):
        sub = idx[s:s + chunk]
        yield sub, augment(yale_source(d, sub, cfg['data']['size']), cfg, None, d.lights, train=False)


def yale_template(d: TrainData, cfg: dict) -> torch.Tensor:
    """Mean-face baseline: the average of the TRAIN subjects' photometric-stereo normal maps, renormalised."""
    tr = (d.yale_split == 0)
    n = d.yale_normal[tr]
    v = d.yale_valid[tr].float()[:, None] / 255
    m = (n * v).sum(0, keepdim=True) / v.sum(0, keepdim=True).clamp(min=1)
    m = m / m.norm(dim=1, keepdim=True).clamp(min=1e-6)
    src = yale_source(d, d.yale_eval_img[:1], cfg['data']['size'])
    src['normal'] = F.pad(m, [(cfg['data']['size'] - m.shape[-1]) // 2] * 2 + [(cfg['data']['size'] - m.shape[-2]) // 2] * 2)
    return src['normal']


@torch.no_grad()
def evaluate(model, d: TrainData, cfg: dict) -> dict:
    model.eval()
    out = {}
    tmpl = yale_template(d, cfg)
    for name, moderate in (('yale_all', False), ('yale_moderate', True)):
        s_sum = t_sum = w_sum = 0.0
        per_img = []
        for _, b in yale_eval_batches(d, cfg, moderate):
            n, _, _ = model(b['input'])
            w = (b['w_ps'] > 0.5).float()
            a_s = angle_deg(n, b['normal'])
            a_t = angle_deg(tmpl.expand_as(n), b['normal'])
            s_sum += float((a_s * w).sum())
            t_sum += float((a_t * w).sum())
            w_sum += float(w.sum())
            per_img.extend(((a_s * w).sum((1, 2, 3)) / w.sum((1, 2, 3)).clamp(min=1)).tolist())
        out[name] = {'student_deg': s_sum / max(w_sum, 1), 'template_deg': t_sum / max(w_sum, 1),
                     'student_median_image_deg': float(np.median(per_img)) if per_img else None,
                     'images': len(per_img)}
    if len(d.prior_val_idx):
        sums = {'face': [0.0, 0.0], 'sil': [0.0, 0.0]}
        for s in range(0, len(d.prior_val_idx), 64):
            b = augment(prior_source(d, d.prior_val_idx[s:s + 64]), cfg, None, d.lights, train=False)
            n, _, _ = model(b['input'])
            a = angle_deg(n, b['normal'])
            for k, wk in (('face', 'w_face'), ('sil', 'w_sil')):
                sums[k][0] += float((a * b[wk]).sum())
                sums[k][1] += float(b[wk].sum())
        out['prior_val'] = {f'{k}_deg_vs_prior': v[0] / max(v[1], 1e-6) for k, v in sums.items()}
        out['prior_val']['items'] = len(d.prior_val_idx)
    model.train()
    return out


def save_preview(model, d: TrainData, cfg: dict, path: Path, gen_seed: int = 99) -> None:
    """Rows: input | predicted normals | target normals | confidence | albedo, for val priors and Yale eval."""
    import cv2
    model.eval()
    rows = []
    with torch.no_grad():
        sets = []
        if len(d.prior_val_idx):
            sets.append(augment(prior_source(d, d.prior_val_idx[:4]), cfg, None, d.lights, train=False))
        sets.append(augment(yale_source(d, d.yale_eval_img[::max(1, len(d.yale_eval_img) // 4)][:4], cfg['data']['size']), cfg, None, d.lights, train=False))
        g = torch.Generator(device=d.device).manual_seed(gen_seed)
        sets.append(sample_batch(d, {**cfg, 'data': {**cfg['data'], 'batch': 4}}, g))
        for b in sets:
            n, c, a = model(b['input'])
            for i in range(b['input'].shape[0]):
                tiles = [b['input'][i, :3], n[i] * 0.5 + 0.5, b['normal'][i] * 0.5 + 0.5, c[i].expand(3, -1, -1),
                         a[i].clamp(0, 1) ** (1 / 2.2), b['input'][i, 3:4].expand(3, -1, -1)]
                rows.append(torch.cat([t.clamp(0, 1) for t in tiles], 2))
    img = (torch.cat(rows, 1).permute(1, 2, 0).cpu().numpy() * 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), img[..., ::-1])
    model.train()


# ---------------------------------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--config', type=Path, required=True)
    ap.add_argument('--pack', type=Path, default=DEFAULT_PACK)
    ap.add_argument('--out', type=Path)
    ap.add_argument('--no-build', action='store_true', help='never rebuild the pack (GPU machine: no shared data)')
    ap.add_argument('--install', action='store_true', help='copy the ONNX to models/student.onnx and write fixtures')
    ap.add_argument('--steps', type=int, help='override optim.steps (smoke tests)')
    ap.add_argument('--no-export', action='store_true',
                    help='skip the ONNX export (export later with torch 1.13: export_onnx.py --checkpoint)')
    ap.add_argument('--seed', type=int, help='override the config seed (noise band of a schedule)')
    ap.add_argument('--prev-stage', type=Path,
                    help='checkpoint of the previous stage: replaces init_checkpoint (and distill.checkpoint)')
    ap.add_argument('--resume', action='store_true',
                    help=f'continue from OUT/{RESUME_NAME} if present; save it every checkpoint_every steps')
    ap.add_argument('--max-seconds', type=float,
                    help='stop this invocation after N s (with --resume: state saved, exit code 3; the schedule is '
                         'by steps, so a resumed run is the same run)')
    ap.add_argument('--stop-at-step', type=int,
                    help='stop this invocation after step N (with --resume: state saved, exit code 3); the schedule '
                         'stays the full one (reproduce.py --stage1-prefix compares such a prefix with a committed log)')
    args = ap.parse_args()
    if (args.max_seconds or args.stop_at_step) and not args.resume:
        ap.error('--max-seconds / --stop-at-step need --resume (otherwise the stopped run could not be continued)')
    cfg = load_config(args.config)
    if args.steps:
        cfg['optim']['steps'] = args.steps
    if args.seed is not None:
        cfg['seed'] = args.seed
    if args.prev_stage:
        cfg['init_checkpoint'] = str(args.prev_stage.resolve())
        if cfg.get('distill'):
            cfg['distill']['checkpoint'] = str(args.prev_stage.resolve())
    out = args.out or (TRAINING_DIR / 'runs' / cfg['name'])
    out.mkdir(parents=True, exist_ok=True)
    if args.resume:
        # One process per resumable run: a second copy on the same --out (a long CPU run continued across sessions
        # is easy to start twice) would interleave its saves with the first's. The lock goes with the process.
        lock = open(out / 'train.lock', 'w')
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(f'[Train] another train.py is already running on {out} (train.lock is held): not starting a second one')
    ensure_pack(args.pack, not args.no_build)

    want = cfg.get('device', 'cpu')
    device = torch.device('cuda' if want == 'cuda' and torch.cuda.is_available() else 'cpu')
    if want == 'cuda' and device.type != 'cuda':
        print('[Train] WARNING: config asks for CUDA, none available: running on CPU')
    torch.set_num_threads(min(int(cfg.get('threads', 2)), os.cpu_count() or 1))   # no oversubscription
    if device.type == 'cuda':
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        if cfg.get('deterministic', False):
            # Same GPU + same torch -> same weights (two runs of the stage-1 command can then be compared exactly).
            os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')
            torch.backends.cudnn.benchmark = False
            torch.backends.cudnn.deterministic = True
            torch.use_deterministic_algorithms(True, warn_only=True)
        else:
            torch.backends.cudnn.benchmark = True
    seed_everything(cfg['seed'])
    d = TrainData(args.pack, device)
    print(f'[Train] {cfg["name"]} on {device}: {len(d.prior_train_idx)} prior train items ({len(d.pairs)} pairs), '
          f'{len(d.prior_val_idx)} val, {len(d.yale_train_img)} Yale train / {len(d.yale_eval_img)} eval images')
    if not d.has_priors:
        print('[Train] WARNING: no analytic priors in the pack: training on Yale B alone (face crops only)')

    model = build_model(cfg).to(device)
    if cfg.get('init_checkpoint'):
        # Fine-tuning stage: start from a committed checkpoint (e.g. the GPU run) instead of random weights.
        ck = torch.load(REPO_ROOT / cfg['init_checkpoint'], map_location='cpu')
        converted = load_compatible(model, ck['model'])
        print(f'[Train] initialised from {cfg["init_checkpoint"]} ({ck.get("steps")} steps)'
              + (f'; upsamplers converted to {cfg["model"]["up"]}: {converted}' if converted else ''))
    ema = copy.deepcopy(model).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    teacher = None
    if cfg.get('distill'):
        tk = torch.load(REPO_ROOT / cfg['distill']['checkpoint'], map_location='cpu')
        teacher = build_model(tk['config'])
        load_compatible(teacher, tk['model'])
        teacher = teacher.to(device).eval()
        for p in teacher.parameters():
            p.requires_grad_(False)
        print(f'[Train] distilling from {cfg["distill"]["checkpoint"]} (weight {cfg["distill"]["weight"]})')
    oc = cfg['optim']
    opt = torch.optim.AdamW(model.parameters(), lr=oc['lr'], weight_decay=oc['weight_decay'])
    steps = oc['steps']
    time_limit = cfg.get('time_limit_s')
    t0 = time.time()

    def progress(step_done: int) -> float:
        """Fraction of the schedule done: by steps, or by wall time when the config sets time_limit_s (GPU runs:
        the cosine decay then always completes inside the device's time slot; such runs are not bit-reproducible)."""
        p = step_done / steps
        if time_limit:
            p = max(p, (time.time() - t0) / time_limit)
        return min(p, 1.0)

    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / oc['warmup']) * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress(s)))))
    gen = torch.Generator(device=device).manual_seed(cfg['seed'])
    start = 1
    resume_path = out / RESUME_NAME
    if args.resume and resume_path.exists():
        st = torch.load(resume_path, map_location='cpu')
        if st['config'] != cfg:
            raise SystemExit(f'[Train] {resume_path} was written by another config: delete it or use another --out')
        model.load_state_dict(st['model'])
        ema.load_state_dict(st['ema'])
        opt.load_state_dict(st['opt'])
        sched.load_state_dict(st['sched'])
        gen.set_state(st['gen'])
        torch.set_rng_state(st['torch_rng'])
        start = st['step'] + 1
        t0 = time.time() - st['elapsed_s']
        print(f'[Train] resumed from {resume_path} at step {st["step"]}')
    log = open(out / 'log.jsonl', 'a' if start > 1 else 'w')
    print(f'[Train] model: {count_params(model)} params, {count_macs(build_model(cfg), cfg["data"]["size"]) / 1e6:.1f} M MACs')
    if cfg.get('freeze_bn'):
        # Small fine-tuning batches must not re-estimate BatchNorm statistics (only the EMA copy is ever switched
        # back to train mode, by evaluate()).
        for mod in model.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.eval()
    # Loss sums of the current log window; kept across --resume so that a window split by an interruption still
    # logs its mean over all its steps.
    acc: dict[str, float] = dict(st.get('log_acc', {})) if start > 1 else {}
    step = start - 1

    def save_resume(at: int) -> None:
        tmp = resume_path.with_suffix('.tmp')
        torch.save({'config': cfg, 'step': at, 'model': model.state_dict(), 'ema': ema.state_dict(),
                    'opt': opt.state_dict(), 'sched': sched.state_dict(), 'gen': gen.get_state(),
                    'torch_rng': torch.get_rng_state(), 'elapsed_s': time.time() - t0, 'log_acc': acc}, tmp)
        tmp.replace(resume_path)

    # SIGTERM / SIGINT with --resume: finish the current step, save the resume state, exit 3 (a long CPU run split
    # across sessions loses nothing when its session ends; without --resume the default behaviour stays).
    stop_signal: list[str] = []
    if args.resume:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda num, _frame: stop_signal.append(signal.Signals(num).name))
    t_invocation = time.time()
    for step in range(start, steps + 1):
        batch = sample_batch(d, cfg, gen)
        loss, parts = compute_losses(model, batch, cfg, teacher)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), oc['grad_clip'])
        opt.step()
        sched.step()
        with torch.no_grad():
            dec = min(oc['ema'], (1 + step) / (10 + step))
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(dec).add_(pm.detach(), alpha=1 - dec)
            for be, bm in zip(ema.buffers(), model.buffers()):
                be.copy_(bm)
        for k, v in parts.items():
            acc[k] = acc.get(k, 0.0) + v
        acc['total'] = acc.get('total', 0.0) + float(loss.detach())
        if step % cfg['log_every'] == 0 or step == steps:
            n = cfg['log_every'] if step % cfg['log_every'] == 0 else step % cfg['log_every']
            rec = {'step': step, 'lr': sched.get_last_lr()[0], 'elapsed_s': round(time.time() - t0, 1),
                   **{k: round(v / n, 5) for k, v in acc.items()}}
            acc = {}
            if step % cfg['eval_every'] == 0 or step == steps:
                rec['eval'] = evaluate(ema, d, cfg)
            log.write(json.dumps(rec) + '\n')
            log.flush()
            ev = rec.get('eval', {}).get('yale_all')
            print(f'[Train] step {step} loss {rec["total"]:.4f} face {rec["normal_face"]:.4f} ps {rec["normal_ps"]:.4f} '
                  f'render {rec["render"]:.4f} temporal {rec["temporal"]:.4f} {rec["elapsed_s"]}s'
                  + (f' | yale {ev["student_deg"]:.2f} deg (template {ev["template_deg"]:.2f})' if ev else ''))
        at_stop_step = bool(args.stop_at_step and step >= args.stop_at_step)
        stop_now = at_stop_step or bool(stop_signal) or bool(args.max_seconds and time.time() - t_invocation > args.max_seconds)
        if args.resume and step < steps and (step % int(cfg.get('checkpoint_every', 500)) == 0 or stop_now):
            save_resume(step)
            if stop_now:
                why = '--stop-at-step' if at_stop_step else stop_signal[0] if stop_signal else '--max-seconds'
                print(f'[Train] {why} reached at step {step}; state in {resume_path}: run again with --resume')
                log.close()
                sys.exit(3)
        if time_limit and progress(step) >= 1.0 and step < steps:
            print(f'[Train] time limit {time_limit}s reached at step {step}')
            rec = {'step': step, 'elapsed_s': round(time.time() - t0, 1), 'stopped': 'time_limit'}
            log.write(json.dumps(rec) + '\n')
            break
    train_s = time.time() - t0
    if resume_path.exists() and step == steps:
        resume_path.unlink()
    ema = ema.cpu()
    final = evaluate(ema.to(device), d, cfg)
    ema = ema.cpu()
    torch.save({'model': ema.state_dict(), 'config': cfg, 'steps': step}, out / 'student.pt')
    save_preview(ema.to(device), d, cfg, out / 'preview.png')
    ema = ema.cpu()
    from export_onnx import export, write_fixtures
    info = {'macs': count_macs(ema, cfg['data']['size']), 'bytes': None, 'sha256': None}
    if not args.no_export:
        info = export(ema, out / 'student.onnx', cfg['data']['size'])
    metrics = {'config': cfg['name'], 'device': str(device), 'torch': torch.__version__, 'steps': step,
               'train_seconds': round(train_s, 1), 'params': count_params(ema), 'macs': info['macs'],
               'onnx_bytes': info['bytes'], 'onnx_sha256': info['sha256'], 'pack_meta': json.loads(d.meta),
               'eval': final}
    write_json(out / 'metrics.json', metrics)
    print('[Train] final eval ' + json.dumps(final))
    if args.install and not args.no_export:
        dst = REPO_ROOT / 'models' / 'student.onnx'
        shutil.copyfile(out / 'student.onnx', dst)
        info = export(ema, dst, cfg['data']['size'])
        write_fixtures(ema, cfg['data']['size'], info)
        print(f'[Train] installed {dst} ({info["bytes"]} bytes, sha256 {info["sha256"]}) and fixtures')


if __name__ == '__main__':
    main()

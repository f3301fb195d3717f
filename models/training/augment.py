"""Batched data sampling + augmentation in torch (same code on CPU and GPU, seeded by a torch.Generator).

A batch is a dict of (B, C, S, S) tensors at the model's input size S:
  input      model input: sRGB RGB in [0, 1] + degraded person mask
  normal     target camera-space normals (zero where unknown)
  w_face, w_sil, w_ps   per-prior confidence of that target (face-mesh prior, silhouette prior, Yale photometric stereo)
  albedo, w_alb         albedo target (linear) and its weight
  render_target         the clean linear image the input was made from (before noise/JPEG), for the re-render loss
  sh                    (B, 9, 3) irradiance SH such that render_target ~= albedo * E(n) / pi
  person                the undegraded person mask; valid: inside the source image (not padding/letterbox)
  pair_a, pair_b        index lists of consecutive-frame pairs (temporal loss)

Geometry: an output pixel p_out (grid coords, y down) samples the source at F R(theta) p_out / s + t; the image
content is rotated by theta counter-clockwise on screen, so camera-space normals rotate by the same theta about z
and a horizontal flip negates normal x (checked by selftest.py against normals recomputed from a warped height field).
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from common import irradiance_torch, linear_to_srgb, srgb_to_linear


class TrainData:
    """The pack's arrays as tensors on `device` (uint8 stays uint8 until sampled)."""

    def __init__(self, pack_path, device: torch.device):
        z = np.load(pack_path)
        t = lambda k, dt=None: torch.from_numpy(np.ascontiguousarray(z[k])).to(device) if dt is None else \
            torch.from_numpy(np.ascontiguousarray(z[k]).astype(dt)).to(device)
        self.device = device
        self.meta = z['meta'].item()
        self.yale_subjects = [str(s) for s in z['yale_subjects']]
        self.yale_normal = t('yale_normal', np.float32)
        self.yale_albedo = t('yale_albedo')
        self.yale_valid = t('yale_valid')
        self.yale_split = t('yale_split')
        self.yale_img = t('yale_img')
        self.yale_img_subject = t('yale_img_subject').long()
        self.yale_img_light = z['yale_img_light']
        self.yale_img_sh = t('yale_img_sh', np.float32)
        self.prior_ids = [str(s) for s in z['prior_ids']]
        self.prior_rgb = t('prior_rgb')
        self.prior_normal = t('prior_normal')
        self.prior_conf_face = t('prior_conf_face')
        self.prior_conf_sil = t('prior_conf_sil')
        self.prior_mask = t('prior_mask')
        self.prior_sh = t('prior_sh', np.float32)
        self.prior_split = t('prior_split')
        self.prior_is_video = t('prior_is_video')
        pairs = torch.from_numpy(z['prior_pairs'].astype(np.int64)).to(device)
        train_prior = self.prior_split == 0 if len(self.prior_ids) else torch.zeros(0, dtype=torch.bool, device=device)
        self.prior_train_idx = torch.nonzero(train_prior).flatten()
        self.prior_val_idx = torch.nonzero(~train_prior).flatten()
        self.pairs = pairs[train_prior[pairs[:, 0]] & train_prior[pairs[:, 1]]] if len(pairs) else pairs
        ytrain = self.yale_split[self.yale_img_subject] == 0
        self.yale_train_img = torch.nonzero(ytrain).flatten()
        self.yale_eval_img = torch.nonzero(~ytrain).flatten()
        self.lights = t('light_bank', np.float32)

    @property
    def has_priors(self) -> bool:
        return len(self.prior_train_idx) > 0


# ---------------------------------------------------------------------------------------------------------------
# Canonical (unaugmented) samples at the source resolution, padded to a square canvas

def vec_len(n: torch.Tensor) -> torch.Tensor:
    """Length over dim 1, keepdim (torch.norm is several times slower on CPU in torch 1.13)."""
    return (n * n).sum(1, keepdim=True).sqrt()


def _u8(x: torch.Tensor) -> torch.Tensor:
    return x.float() / 255.0


def prior_source(d: TrainData, idx: torch.Tensor) -> dict:
    rgb = _u8(d.prior_rgb[idx])
    n = _u8(d.prior_normal[idx]) * 2 - 1
    ln = vec_len(n)
    has_n = (ln > 0.5).float()
    n = n / ln.clamp(min=1e-6) * has_n
    mask = _u8(d.prior_mask[idx])[:, None]
    cf = _u8(d.prior_conf_face[idx])[:, None] * has_n
    # The dumped normal is the prior's blend n = normalize(cf n_face + (1 - cf) cs n_sil): where the face
    # confidence is high it IS the face normal, so the silhouette prior only owns the remaining (1 - cf) share.
    cs = _u8(d.prior_conf_sil[idx])[:, None] * has_n * (1 - cf)
    lin = srgb_to_linear(rgb)
    sh = d.prior_sh[idx]
    e = irradiance_torch(n, sh)
    # Pseudo albedo = image / shading; trusted where a prior is confident, the shading is not tiny and not clipped.
    ok = (e.mean(1, keepdim=True) > 0.05 * math.pi) & (lin.max(1, keepdim=True)[0] < 0.98)
    alb = (lin * math.pi / e.clamp(min=1e-3)).clamp(0, 3)
    w_alb = mask * torch.maximum(cf, cs) * ok.float()
    ones = torch.ones_like(mask)
    return {'lin': lin, 'person': mask, 'normal': n, 'w_face': cf, 'w_sil': cs, 'w_ps': torch.zeros_like(cf),
            'albedo': alb, 'w_alb': w_alb, 'sh': sh, 'valid': ones, 'is_yale': torch.zeros(len(idx), device=rgb.device)}


def yale_source(d: TrainData, img_idx: torch.Tensor, canvas: int) -> dict:
    """Yale crops (128x112) centred on a canvas; the 'person' is the whole crop (the crop is all face)."""
    subj = d.yale_img_subject[img_idx]
    g = _u8(d.yale_img[img_idx])[:, None]
    n = d.yale_normal[subj]
    v = _u8(d.yale_valid[subj])[:, None]
    a = _u8(d.yale_albedo[subj])[:, None]
    sh1 = d.yale_img_sh[img_idx]                                      # (B, 9) grey
    h, w = g.shape[-2:]
    pl, pt = (canvas - w) // 2, (canvas - h) // 2
    pad = (pl, canvas - w - pl, pt, canvas - h - pt)
    P = lambda x: F.pad(x, pad)
    person = P(torch.ones_like(g))
    lin = P(g).expand(-1, 3, -1, -1)
    return {'lin': lin, 'person': person, 'normal': P(n), 'w_face': torch.zeros_like(person),
            'w_sil': torch.zeros_like(person), 'w_ps': P(v), 'albedo': P(a).expand(-1, 3, -1, -1),
            'w_alb': P(v * (a > 0.1).float()), 'sh': sh1[:, :, None].expand(-1, -1, 3).contiguous(),
            'valid': person.clone(), 'is_yale': torch.ones(len(img_idx), device=g.device)}


def cat_sources(parts: list[dict]) -> dict:
    parts = [p for p in parts if p is not None]
    return {k: torch.cat([p[k] for p in parts], 0) for k in parts[0]}


# ---------------------------------------------------------------------------------------------------------------
# Augmentation ops

def _rand(gen, *shape, device):
    return torch.rand(*shape, generator=gen, device=device)


def _randn(gen, *shape, device):
    return torch.randn(*shape, generator=gen, device=device)


def random_background(gen, b: int, size: int, device) -> torch.Tensor:
    """Smooth colour gradients + low-frequency blobs + some texture, linear light."""
    base = torch.exp(_randn(gen, b, 3, 1, 1, device=device) * 0.6 - 1.6)
    blobs = F.interpolate(_rand(gen, b, 3, 4, 4, device=device), size=(size, size), mode='bicubic', align_corners=False)
    tex = F.interpolate(_rand(gen, b, 1, 24, 24, device=device), size=(size, size), mode='bilinear', align_corners=False)
    yy = torch.linspace(-1, 1, size, device=device).view(1, 1, size, 1)
    grad = 1 + 0.5 * _randn(gen, b, 1, 1, 1, device=device) * yy
    bg = base * (0.4 + blobs) * grad * (0.85 + 0.3 * tex * _rand(gen, b, 1, 1, 1, device=device))
    return bg.clamp(0, 1)


def gaussian_blur(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Per-sample separable Gaussian blur (sigma (B,), in pixels; 0 = identity)."""
    b, c, h, w = x.shape
    r = 3
    k = torch.arange(-r, r + 1, device=x.device, dtype=x.dtype)
    s = sigma.clamp(min=1e-3).view(b, 1)
    ker = torch.exp(-0.5 * (k.view(1, -1) / s) ** 2)
    ker = ker / ker.sum(1, keepdim=True)                              # (B, 2r+1)
    xr = x.reshape(1, b * c, h, w)
    kh = ker.repeat_interleave(c, 0).view(b * c, 1, 1, -1)
    kv = ker.repeat_interleave(c, 0).view(b * c, 1, -1, 1)
    xr = F.conv2d(F.pad(xr, (r, r, 0, 0), mode='replicate'), kh, groups=b * c)
    xr = F.conv2d(F.pad(xr, (0, 0, r, r), mode='replicate'), kv, groups=b * c)
    return xr.view(b, c, h, w)


_JPEG_Y = torch.tensor([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99], dtype=torch.float32).view(8, 8)
_JPEG_C = torch.full((8, 8), 99.0)
_JPEG_C[:4, :4] = torch.tensor([[17, 18, 24, 47], [18, 21, 26, 66], [24, 26, 56, 99], [47, 66, 99, 99]], dtype=torch.float32)


def _dct_matrix(device):
    k = torch.arange(8, device=device, dtype=torch.float32)
    m = torch.cos((2 * k.view(1, -1) + 1) * k.view(-1, 1) * math.pi / 16) * math.sqrt(2 / 8)
    m[0] /= math.sqrt(2)
    return m


def jpeg_like(x: torch.Tensor, quality: torch.Tensor) -> torch.Tensor:
    """JPEG-style degradation of sRGB x (B,3,H,W), H and W multiples of 8: YCbCr, 4:2:0 chroma, 8x8 DCT,
    quantisation with the standard tables scaled by quality (B,) in 1..100 (straight-through rounding)."""
    b, _, h, w = x.shape
    dev = x.device
    r, g, bl = x[:, 0] * 255, x[:, 1] * 255, x[:, 2] * 255
    y = 0.299 * r + 0.587 * g + 0.114 * bl
    cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * bl
    cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * bl
    cb = F.interpolate(F.avg_pool2d(cb[:, None], 2), scale_factor=2, mode='nearest')[:, 0]
    cr = F.interpolate(F.avg_pool2d(cr[:, None], 2), scale_factor=2, mode='nearest')[:, 0]
    q = quality.clamp(1, 100)
    scale = torch.where(q < 50, 5000 / q, 200 - 2 * q).view(b, 1, 1, 1, 1) / 100
    d = _dct_matrix(dev)
    out = []
    for ch, table in ((y, _JPEG_Y), (cb, _JPEG_C), (cr, _JPEG_C)):
        t = (table.to(dev).view(1, 1, 1, 8, 8) * scale).clamp(min=1)
        blocks = (ch - 128).view(b, h // 8, 8, w // 8, 8).permute(0, 1, 3, 2, 4)   # (B, hb, wb, 8, 8)
        coef = d @ blocks @ d.T
        qc = coef / t
        qc = qc + (torch.round(qc) - qc).detach()
        rec = d.T @ (qc * t) @ d
        out.append(rec.permute(0, 1, 3, 2, 4).reshape(b, h, w) + 128)
    y, cb, cr = out
    r = y + 1.402 * (cr - 128)
    g = y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128)
    bl = y + 1.772 * (cb - 128)
    return (torch.stack([r, g, bl], 1) / 255).clamp(0, 1)


def warp(src: dict, size: int, scale, rot, flip, shift) -> dict:
    """Resamples every image field at output size `size` (2x supersampled, then 2x2 average)."""
    b = scale.shape[0]
    dev = scale.device
    c, s = torch.cos(rot), torch.sin(rot)
    fx = torch.where(flip, -1.0, 1.0)
    theta = torch.zeros(b, 2, 3, device=dev)
    # theta = F R(rot) / scale, F = diag(fx, 1)
    theta[:, 0, 0] = fx * c / scale
    theta[:, 0, 1] = -fx * s / scale
    theta[:, 1, 0] = s / scale
    theta[:, 1, 1] = c / scale
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, (b, 1, 2 * size, 2 * size), align_corners=False)
    out = {}
    for k, v in src.items():
        if v.dim() != 4:
            out[k] = v
            continue
        mode = 'bilinear'
        out[k] = F.avg_pool2d(F.grid_sample(v, grid, mode=mode, padding_mode='zeros', align_corners=False), 2)
    # Normals: renormalise, then rotate the xy components by rot and flip x (see module docstring).
    n = out['normal']
    ln = vec_len(n)
    has_n = (ln > 0.5).float()
    n = n / ln.clamp(min=1e-6) * has_n
    nx = n[:, 0] * fx.view(b, 1, 1)
    ny = n[:, 1]
    cc, ss = c.view(b, 1, 1), s.view(b, 1, 1)
    out['normal'] = torch.stack([cc * nx - ss * ny, ss * nx + cc * ny, n[:, 2]], 1)
    for k in ('w_face', 'w_sil', 'w_ps', 'w_alb'):
        out[k] = out[k] * has_n if k != 'w_alb' else out[k]
    return out


def augment(src: dict, cfg: dict, gen: torch.Generator, lights: torch.Tensor, n_pairs: int = 0, train: bool = True) -> dict:
    """src: canonical samples (cat_sources). The first 2*n_pairs samples are n_pairs (a, b) consecutive frames
    that share every geometric/photometric parameter but get independent noise/JPEG (temporal loss)."""
    a = cfg['augment']
    size = cfg['data']['size']
    b = src['lin'].shape[0]
    dev = src['lin'].device
    is_yale = src['is_yale'] > 0.5

    def share(t):
        if n_pairs:
            t = t.clone()
            t[n_pairs:2 * n_pairs] = t[:n_pairs]
        return t

    R = lambda *s: _rand(gen, *s, device=dev)
    N = lambda *s: _randn(gen, *s, device=dev)

    if train:
        lo, hi = math.log(a['scale_min']), math.log(a['scale_max'])
        scale = torch.exp(lo + (hi - lo) * R(b))
        ylo, yhi = math.log(a['yale_scale_min']), math.log(a['yale_scale_max'])
        scale = torch.where(is_yale, torch.exp(ylo + (yhi - ylo) * R(b)), scale)
        rot = (N(b) * a['rot_deg'] / 2).clamp(-a['rot_deg'], a['rot_deg']) * math.pi / 180
        flip = R(b) < 0.5
        shift = (R(b, 2) * 2 - 1) * a['shift']
        scale, rot, flip, shift = share(scale), share(rot), share(flip), share(shift)
        pm = a.get('pair_motion')
        if n_pairs and pm:
            # The second frame of a pair moves a little (head/camera motion between frames): its target moves with
            # it, so the temporal loss asks the output to move exactly as the image does (equivariance), not to sit
            # still or to wobble on sub-pixel shifts.
            sl = slice(n_pairs, 2 * n_pairs)
            rot[sl] = rot[sl] + N(n_pairs) * pm['rot_deg'] * math.pi / 180
            shift[sl] = shift[sl] + N(n_pairs, 2) * pm['shift']
            scale[sl] = scale[sl] * torch.exp(N(n_pairs) * pm['scale'])
    else:
        scale = torch.ones(b, device=dev)
        rot = torch.zeros(b, device=dev)
        flip = torch.zeros(b, dtype=torch.bool, device=dev)
        shift = torch.zeros(b, 2, device=dev)
    x = warp({k: v for k, v in src.items() if k not in ('sh', 'is_yale')}, size, scale, rot, flip, shift)
    sh = src['sh'].clone()
    if train:
        # SH under the same rotation/flip: flipping x negates the x-odd coefficients (1,1), (2,-2), (2,1); an
        # in-plane rotation is applied by refitting (exact for band 2), done in numpy-free torch form below.
        sh = _transform_sh(sh, rot, flip)
    lin, person, valid = x['lin'], x['person'], x['valid']
    n = x['normal']
    has_n = (vec_len(n) > 0.5).float()

    if train:
        # --- synthetic relighting: ratio of the new to the fitted shading at the target normals ---
        relit = share(R(b) < torch.where(is_yale, a['p_relight_yale'], a['p_relight']))
        li = share(torch.randint(0, lights.shape[0], (b,), generator=gen, device=dev))
        sh_new = lights[li].clone()
        e_fit = irradiance_torch(n, sh).clamp(min=1e-3)
        e_new = irradiance_torch(n, sh_new)
        wm = person * has_n
        lum = lambda e: (e * wm).sum((1, 2, 3)) / wm.sum((1, 2, 3)).clamp(min=1)
        k = (lum(e_fit) / lum(e_new).clamp(min=1e-3)).view(b, 1, 1)
        sh_new = sh_new * k
        e_new = e_new * k.view(b, 1, 1, 1)
        ratio = (e_new.clamp(min=0) / e_fit.clamp(min=0.02 * math.pi)).clamp(0.03, 6.0)
        mean_ratio = (ratio * wm).sum((2, 3), keepdim=True) / wm.sum((2, 3), keepdim=True).clamp(min=1)
        r_person = has_n * ratio + (1 - has_n) * mean_ratio
        bg_gain = torch.exp(N(b, 1, 1, 1) * 0.4) * (1 + 0.3 * N(b, 1, 1, 1) * torch.linspace(-1, 1, size, device=dev).view(1, 1, 1, size))
        r_all = person * r_person + (1 - person) * share(bg_gain).clamp(0.1, 4)
        m = relit.view(b, 1, 1, 1).float()
        lin = lin * (m * r_all + (1 - m))
        sh = torch.where(relit.view(b, 1, 1), sh_new, sh)
        # --- background: always for padding (Yale canvas, zoomed-out borders), sometimes replace the real one ---
        bg = share(random_background(gen, b, size, dev))
        replace = share((R(b) < a['p_bg_replace']).float()).view(b, 1, 1, 1)
        alpha = valid * (1 - replace * (1 - person))
        lin = lin * alpha + bg * (1 - alpha)
        # --- white balance, exposure (folded into the light so the re-render target stays consistent) ---
        gains = share(torch.exp(N(b, 3) * a['wb_sigma'] + N(b, 1) * a['exposure_sigma']))
        gains = torch.where(is_yale.view(b, 1), gains * torch.exp(N(b, 3) * 0.15), gains)   # tint grey Yale
        gains = share(gains)
        lin = lin * gains.view(b, 3, 1, 1)
        sh = sh * gains.view(b, 1, 3)
    render_target = lin.clamp(0, 1)
    srgb = linear_to_srgb(render_target)
    mask_in = person.clone()
    if train:
        gamma = share(torch.exp(N(b, 1, 1, 1) * a['gamma_sigma']))
        srgb = srgb.clamp(0, 1) ** gamma
        sat = share(1 + N(b, 1, 1, 1) * a['sat_sigma'])
        grey = srgb.mean(1, keepdim=True)
        srgb = (grey + (srgb - grey) * sat).clamp(0, 1)
        # --- optics / sensor / codec ---
        blur_on = share(R(b) < a['p_blur'])
        sigma = torch.where(blur_on, 0.3 + R(b) * (a['blur_max'] - 0.3), torch.zeros(b, device=dev))
        srgb = gaussian_blur(srgb, sigma)
        noise_on = (R(b) < a['p_noise']).float().view(b, 1, 1, 1)
        read = R(b, 1, 1, 1) * a['noise_max']
        shot = R(b, 1, 1, 1) * a['noise_max'] * 1.5
        srgb = srgb + noise_on * (N(b, 3, size, size) * read + N(b, 3, size, size) * shot * srgb.clamp(min=0).sqrt())
        srgb = srgb.clamp(0, 1)
        jpeg_on = (R(b) < a['p_jpeg']).view(b, 1, 1, 1).float()
        q = a['jpeg_q_min'] + R(b) * (a['jpeg_q_max'] - a['jpeg_q_min'])
        srgb = jpeg_on * jpeg_like(srgb, q) + (1 - jpeg_on) * srgb
        # --- the segmenter's mask is soft and wrong at the edges ---
        k = share(torch.randint(-3, 4, (b,), generator=gen, device=dev))
        mk = mask_in
        dil = F.max_pool2d(mk, 5, 1, 2)
        ero = -F.max_pool2d(-mk, 5, 1, 2)
        mk = torch.where((k > 1).view(b, 1, 1, 1), dil, torch.where((k < -1).view(b, 1, 1, 1), ero, mk))
        soft = share(R(b) * a['mask_blur_max'])
        mk = gaussian_blur(mk, soft)
        mk = (mk + N(b, 1, size, size) * 0.03 * (R(b, 1, 1, 1) < 0.5).float()).clamp(0, 1)
        mask_in = torch.where(is_yale.view(b, 1, 1, 1), person, mk)
        # --- letterbox bars, as student-io.ts pads non-square frames (RGB 0, mask 0) ---
        bars = share(R(b) < a['p_letterbox'])
        frac = share(R(b) * 0.22)
        vertical = share(R(b) < 0.75)
        idx = torch.arange(size, device=dev).float().view(1, size) / size
        inside = ((idx >= frac.view(b, 1)) & (idx < 1 - frac.view(b, 1))).float()
        bar_v = inside.view(b, 1, size, 1).expand(-1, 1, size, size)
        bar_h = inside.view(b, 1, 1, size).expand(-1, 1, size, size)
        keep = torch.where(bars.view(b, 1, 1, 1), torch.where(vertical.view(b, 1, 1, 1), bar_v, bar_h), torch.ones_like(bar_v))
        srgb, mask_in = srgb * keep, mask_in * keep
        for kk in ('w_face', 'w_sil', 'w_ps', 'w_alb', 'person', 'valid'):
            x[kk] = x[kk] * keep
        render_target = render_target * keep
    inp = torch.cat([srgb, mask_in], 1)
    return {'input': inp, 'normal': n, 'w_face': x['w_face'], 'w_sil': x['w_sil'], 'w_ps': x['w_ps'],
            'albedo': x['albedo'], 'w_alb': x['w_alb'], 'render_target': render_target, 'sh': sh,
            'person': x['person'], 'valid': x['valid'], 'is_yale': src['is_yale'],
            'pair_a': torch.arange(n_pairs, device=dev), 'pair_b': torch.arange(n_pairs, 2 * n_pairs, device=dev)}


def _transform_sh(sh: torch.Tensor, rot: torch.Tensor, flip: torch.Tensor) -> torch.Tensor:
    """Applies the image-space flip (x -> -x) and then the in-plane rotation by `rot` about z to SH (B,9,3),
    matching how `warp` transforms normals, so E(n_out; sh_out) == E(n_in; sh_in)."""
    b = sh.shape[0]
    dev = sh.device
    sign = torch.ones(b, 9, 1, device=dev)
    odd_x = torch.tensor([3, 4, 7], device=dev)
    sign[:, odd_x] = torch.where(flip.view(b, 1, 1), -1.0, 1.0).expand(-1, 3, 1)
    sh = sh * sign
    # Rotation about z by rot: refit from sample directions (exact for band-limited functions).
    g = torch.Generator(device='cpu').manual_seed(0)
    d = torch.randn(64, 3, generator=g).to(dev)
    d = d / d.norm(dim=1, keepdim=True)
    c, s = torch.cos(rot).view(b, 1), torch.sin(rot).view(b, 1)
    # value at output direction d equals the value at input direction R^-1 d
    dx = c * d[:, 0] + s * d[:, 1]
    dy = -s * d[:, 0] + c * d[:, 1]
    dz = d[:, 2].expand(b, -1)
    from common import sh_basis_torch
    bin_ = sh_basis_torch(torch.stack([dx, dy, dz], 1)[..., None])[..., 0]        # (B, 9, 64)
    bout = sh_basis_torch(d.T[None, :, :, None])[0, :, :, 0]                       # (9, 64)
    vals = torch.einsum('bkd,bkc->bdc', bin_, sh)                                  # (B, 64, 3)
    pinv = torch.linalg.pinv(bout.T)                                               # (9, 64)
    return torch.einsum('kd,bdc->bkc', pinv, vals)

"""Losses: confidence-weighted per-prior normal losses, PAL on photometric outputs, confidence, temporal.

PAL (photometric alignment loss): before the pixel loss, the prediction P is mapped to the target T by the
closed-form per-sample affine colour map A P + b, A = Cov(T,P) (Cov(P,P) + lambda I)^-1, b = mean(T) - A mean(P)
(weighted means/covariances over the sample's valid pixels). Gradients flow through A and b. An unaligned term
keeps what must stay absolute (a small weight: the pseudo targets' global scale/tint is not trustworthy).
"""
from __future__ import annotations

import math

import torch

from common import irradiance_torch


def wmean(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Weighted mean over everything; 0 when there is no weight."""
    s = w.sum()
    return (x * w).sum() / s.clamp(min=1e-6) if s > 0 else x.sum() * 0.0


def cosine_error(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """1 - cos(angle), per pixel (B,1,H,W)."""
    return 1 - (pred * target).sum(1, keepdim=True).clamp(-1, 1)


def angle_deg(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return torch.rad2deg(torch.acos((pred * target).sum(1, keepdim=True).clamp(-1 + 1e-6, 1 - 1e-6)))


def normal_loss(pred: torch.Tensor, target: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Cosine error + a small L1 on the vectors (its gradient does not vanish near zero error)."""
    err = cosine_error(pred, target) + 0.25 * (pred - target).abs().sum(1, keepdim=True)
    return wmean(err, w)


def pal_align(pred: torch.Tensor, target: torch.Tensor, w: torch.Tensor, ridge: float = 1e-3) -> torch.Tensor:
    """Closed-form per-sample affine colour alignment of pred (B,C,H,W) to target (B,C',H,W) under weights w."""
    b, c = pred.shape[:2]
    ct = target.shape[1]
    wf = w.flatten(2)                                                   # (B,1,N)
    sw = wf.sum(2, keepdim=True).clamp(min=1e-6)
    p = pred.flatten(2)
    t = target.flatten(2)
    mp = (p * wf).sum(2, keepdim=True) / sw
    mt = (t * wf).sum(2, keepdim=True) / sw
    pc, tc = p - mp, t - mt
    cpp = (pc * wf) @ pc.transpose(1, 2) / sw                           # (B,C,C)
    ctp = (tc * wf) @ pc.transpose(1, 2) / sw                           # (B,C',C)
    eye = torch.eye(c, device=pred.device, dtype=pred.dtype).expand(b, c, c)
    a = torch.linalg.solve((cpp + ridge * eye).transpose(1, 2), ctp.transpose(1, 2)).transpose(1, 2)
    out = a @ pc + mt
    return out.view(b, ct, *pred.shape[2:])


def pal_loss(pred, target, w, unaligned_weight: float, ridge: float = 1e-3):
    """(aligned L1, unaligned L1) both weighted; returns the combined loss and the parts."""
    has = (w.flatten(1).sum(1) > 16).float().view(-1, 1, 1, 1)
    ww = w * has
    aligned = pal_align(pred, target, ww, ridge)
    la = wmean((aligned - target).abs().mean(1, keepdim=True), ww)
    lu = wmean((pred - target).abs().mean(1, keepdim=True), ww)
    return la + unaligned_weight * lu, la, lu


def render(albedo: torch.Tensor, normals: torch.Tensor, sh: torch.Tensor) -> torch.Tensor:
    """Lambertian re-render in linear light: albedo * E(n) / pi."""
    return albedo * irradiance_torch(normals, sh).clamp(min=0) / math.pi


def confidence_target(pred_n, target_n, sup_w, person, valid, tau_rad: float = 0.35):
    """Where a prior supervises: the network should say how close it is (exp(-(angle/tau)^2)); outside the person:
    0. Returns (target, weight)."""
    with torch.no_grad():
        ang = torch.acos((pred_n * target_n).sum(1, keepdim=True).clamp(-1 + 1e-6, 1 - 1e-6))
        agree = torch.exp(-(ang / tau_rad) ** 2)
        sup = (sup_w > 0.05).float()
        outside = (person < 0.05).float() * valid
        tgt = sup * agree
        w = sup + outside
    return tgt, w


def temporal_loss(pred_n, target_n, w, pair_a, pair_b):
    """Consecutive frames: the prediction may change only as much as the pseudo target changes."""
    if len(pair_a) == 0:
        return pred_n.sum() * 0.0
    dp = pred_n[pair_a] - pred_n[pair_b]
    dt = target_n[pair_a] - target_n[pair_b]
    ww = torch.minimum(w[pair_a], w[pair_b])
    return wmean((dp - dt).abs().sum(1, keepdim=True), ww)

"""The student: a small U-Net of plain 3x3 convolutions for onnxruntime-web wasm, single thread.

Why this shape (numbers from ../shared/NOTES.md, re-measured in tests/browser/student-bench.test.ts):
- Plain convs run at about twice the MAC rate of depthwise convs in ORT-wasm, so the blocks are plain 3x3 convs
  with few channels at high resolution and more channels at low resolution (8x8 sees the whole head).
- Upsampling (model.up): "convT" = ConvTranspose(2x2, stride 2), the first design, cheapest in ORT-wasm, but its four
  output phases have their own weights, so the map carries a 2x2 pattern that stays put when the face moves (normals
  shimmer under motion); "bilinear" = a 1x1 conv at the low resolution, then a fixed bilinear x2 (ONNX Resize), the
  same for every phase, so features move with the image. Skips are added, not concatenated (fewer channels).
- BatchNorm is folded into the convs by ORT's graph optimiser; ReLU fuses into Conv.
- The output head runs at the input resolution on [upsampled features, input] so mask edges stay sharp.

Input: (1, 4, H, W) float32, channels = sRGB R, G, B in [0, 1] and the person mask in [0, 1].
Outputs: normals (1, 3, H, W) unit camera-space; confidence (1, 1, H, W) in [0, 1]; albedo (1, 3, H, W) linear in [0, 1].
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ResBlock(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.c1 = nn.Conv2d(ch, ch, 3, 1, 1, bias=False)
        self.b1 = nn.BatchNorm2d(ch)
        self.c2 = nn.Conv2d(ch, ch, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(ch)

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        return F.relu(x + self.b2(self.c2(y)))


UP_MODES = ('convT', 'bilinear')
HEAD_UP_MODES = ('convT', 'bilinear', 'nearest')


def up2(x: torch.Tensor) -> torch.Tensor:
    """Fixed x2 bilinear upsampling (half-pixel centres: exports as ONNX Resize linear)."""
    return F.interpolate(x, scale_factor=2.0, mode='bilinear', align_corners=False)


class Up(nn.Module):
    def __init__(self, cin: int, cout: int, mode: str = 'convT'):
        super().__init__()
        self.mode = mode
        if mode == 'convT':
            self.t = nn.ConvTranspose2d(cin, cout, 2, 2, bias=False)
        else:
            # Conv and BatchNorm before the upsampling: both per-pixel linear maps, so they commute with it and run
            # on 4x fewer pixels.
            self.p = nn.Conv2d(cin, cout, 1, bias=False)
        self.b = nn.BatchNorm2d(cout)

    def forward(self, x, skip):
        y = self.b(self.t(x)) if self.mode == 'convT' else up2(self.b(self.p(x)))
        return F.relu(y + skip)


class UpHead(nn.Module):
    """The last upsampling to the input resolution when it is not "convT": a 1x1 conv (with bias), then bilinear x2
    ("bilinear") or nearest x2 ("nearest", computed as a ConvTranspose whose four phases share the 1x1 weights, so
    it exports as the same cheap ConvTranspose node as "convT": ORT-wasm's Resize at 128x128 costs ~2 ms)."""

    def __init__(self, cin: int, cout: int, mode: str):
        super().__init__()
        self.mode = mode
        self.p = nn.Conv2d(cin, cout, 1)
        # A constant (not a shape computation), so the ONNX exporter folds the tied kernel into one initializer.
        self.register_buffer('phases', torch.ones(1, 1, 2, 2), persistent=False)

    def forward(self, x):
        if self.mode == 'bilinear':
            return up2(self.p(x))
        w = self.p.weight.transpose(0, 1) * self.phases                  # (cin, cout, 2, 2), phases tied
        return F.conv_transpose2d(x, w, self.p.bias, stride=2)


class StudentNet(nn.Module):
    """widths: channels at 1/2, 1/4, 1/8, 1/16 of the input resolution; blocks: ResBlocks per level."""

    def __init__(self, widths=(12, 24, 48, 64), blocks=(0, 1, 1, 2), head_ch: int = 8, up: str = 'convT',
                 head_up: str | None = None):
        super().__init__()
        if up not in UP_MODES:
            raise ValueError(f'model.up must be one of {UP_MODES}, got {up!r}')
        head_up = head_up or up
        if head_up not in HEAD_UP_MODES:
            raise ValueError(f'model.head_up must be one of {HEAD_UP_MODES}, got {head_up!r}')
        w0, w1, w2, w3 = widths
        self.stem = conv_bn(4, w0, 2)                                    # 1/2
        self.e0 = nn.Sequential(*[ResBlock(w0) for _ in range(blocks[0])])
        self.d1 = conv_bn(w0, w1, 2)                                     # 1/4
        self.e1 = nn.Sequential(*[ResBlock(w1) for _ in range(blocks[1])])
        self.d2 = conv_bn(w1, w2, 2)                                     # 1/8
        self.e2 = nn.Sequential(*[ResBlock(w2) for _ in range(blocks[2])])
        self.d3 = conv_bn(w2, w3, 2)                                     # 1/16
        self.e3 = nn.Sequential(*[ResBlock(w3) for _ in range(blocks[3])])
        self.u2 = Up(w3, w2, up)
        self.m2 = conv_bn(w2, w2)
        self.u1 = Up(w2, w1, up)
        self.m1 = conv_bn(w1, w1)
        self.u0 = Up(w1, w0, up)
        self.m0 = conv_bn(w0, w0)
        # full resolution (convT keeps its original attribute so old checkpoints and exports stay byte-identical)
        self.uh = nn.ConvTranspose2d(w0, head_ch, 2, 2) if head_up == 'convT' else UpHead(w0, head_ch, head_up)
        self.head = nn.Sequential(nn.Conv2d(head_ch + 4, head_ch, 3, 1, 1), nn.ReLU(inplace=True),
                                  nn.Conv2d(head_ch, 7, 3, 1, 1))
        with torch.no_grad():
            # Start near "facing the camera" so early training is not spent flipping z.
            self.head[-1].bias.zero_()
            self.head[-1].bias[2] = 1.0

    def forward(self, x):
        s0 = self.e0(self.stem(x))
        s1 = self.e1(self.d1(s0))
        s2 = self.e2(self.d2(s1))
        s3 = self.e3(self.d3(s2))
        y = self.m2(self.u2(s3, s2))
        y = self.m1(self.u1(y, s1))
        y = self.m0(self.u0(y, s0))
        y = F.relu(self.uh(y))
        y = self.head(torch.cat([y, x], 1))
        n = y[:, 0:3]
        n = n / torch.sqrt((n * n).sum(1, keepdim=True) + 1e-6)
        conf = torch.sigmoid(y[:, 3:4])
        albedo = torch.sigmoid(y[:, 4:7])
        return n, conf, albedo


def build_model(cfg: dict) -> StudentNet:
    m = cfg.get('model', {})
    return StudentNet(tuple(m.get('widths', (12, 24, 48, 64))), tuple(m.get('blocks', (0, 1, 1, 2))),
                      int(m.get('head_ch', 8)), str(m.get('up', 'convT')), m.get('head_up'))


def _one_by_one_key(key: str) -> str:
    """Where a ConvTranspose upsampler's parameter lives in a model whose upsampler is a 1x1 conv (`.p`)."""
    return 'uh.p.' + key[3:] if key.startswith('uh.') else key.replace('.t.', '.p.')


def load_compatible(model: StudentNet, state: dict) -> list[str]:
    """Loads a checkpoint's weights into `model`, converting ConvTranspose upsamplers to 1x1-conv ones (bilinear or
    nearest): the 1x1 conv starts as the mean of the four ConvTranspose phases (what the transposed conv does on a
    flat patch), so a fine-tune starts close to the old network. Returns the converted keys."""
    sd = dict(state)
    converted = []
    own = model.state_dict()
    for k in list(sd):
        nk = _one_by_one_key(k)
        if k not in own and nk != k and nk in own:
            v = sd.pop(k)
            # ConvTranspose weight (cin, cout, 2, 2) -> Conv 1x1 weight (cout, cin, 1, 1); biases carry over.
            sd[nk] = v.mean(dim=(2, 3)).t()[:, :, None, None].contiguous() if v.dim() == 4 else v
            converted.append(nk)
    model.load_state_dict(sd)
    return converted


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_macs(model: nn.Module, size: int = 128) -> int:
    """Multiply-accumulates of the conv layers for one (1, 4, size, size) input."""
    macs = 0

    def hook(mod, inp, out):
        nonlocal macs
        if isinstance(mod, nn.Conv2d):
            k = mod.kernel_size[0] * mod.kernel_size[1] * (mod.in_channels // mod.groups)
            macs += out.numel() * k
        elif isinstance(mod, nn.ConvTranspose2d):
            macs += inp[0].numel() * mod.out_channels * mod.kernel_size[0] * mod.kernel_size[1]

    hs = [mm.register_forward_hook(hook) for mm in model.modules() if isinstance(mm, (nn.Conv2d, nn.ConvTranspose2d))]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 4, size, size))
    model.train(was)
    for h in hs:
        h.remove()
    return macs

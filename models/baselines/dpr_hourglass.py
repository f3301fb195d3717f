"""DPR hourglass relighting network (Zhou, Hadap, Sunkavalli & Jacobs, "Deep Single-Image Portrait Relighting",
ICCV 2019), re-implemented from the published architecture (the authors' `defineHourglass_512_gray_skip.py`) with
RANDOM weights, exported to ONNX for speed comparisons only (`npm run bench`). It is not a relighting model here:
its weights are seeded noise, so its outputs mean nothing; its cost is what matters.

Architecture (as published, 512x512 gray input, baseFilter 16):
- pre: 5x5 conv 1->16 + BN + ReLU;
- four nested hourglass blocks HG3(16->16) > HG2(16->32) > HG1(32->64) > HG0(64->155): each has an `upper`
  BasicBlock at its resolution (instance norm), 2x2 max-pool, `low1` BasicBlock (batch norm), the inner block,
  `low2` BasicBlock (instance norm), nearest 2x upsampling, and the skip `upper + low` (skip connections on, i.e.
  `skip_count = 0` as in the authors' demo);
- BasicBlock: conv3x3 (no bias) + norm + ReLU + conv3x3 + norm + shortcut (1x1 conv when the width changes) + ReLU;
- the innermost 155 = 128 + 27 channels: the first 27 are the lighting feature. The lighting net averages them,
  predicts the SOURCE light (27 -> 128 -> 9, 1x1 convs, PReLU) and replaces them by the TARGET light (9 SH
  coefficients, 9 -> 128 -> 27, PReLU, ReLU) tiled over the 32x32 map;
- post: 3x3 conv + BN + ReLU, 2 x (1x1 conv + BN + ReLU), 1x1 conv to 1 channel, sigmoid.

Inputs: `image` (1, 1, S, S) gray (DPR feeds the L channel of Lab, in [0, 1]); `target_light` (1, 9, 1, 1).
Outputs: `relit` (1, 1, S, S); `source_light` (1, 9, 1, 1).

Usage (Debian's Python, which has torch 1.13 + onnx):
  /usr/bin/python3 models/baselines/dpr_hourglass.py [--size 512] [--out models/baselines/dpr_hourglass_512.onnx]
Writes the .onnx, a `.onnx.sha256` beside it and prints params / MACs. Fixed seed: the same bytes every run on the
same torch version (the sha256 file says which bytes were benchmarked).
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20190927  # ICCV 2019
HERE = Path(__file__).resolve().parent


def conv3x3(cin: int, cout: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, kernel_size=3, stride=1, padding=1, bias=False)


class BasicBlock(nn.Module):
    """norm 'batch' (BatchNorm2d) or 'instance' (InstanceNorm2d, affine=False as in the original)."""

    def __init__(self, cin: int, cout: int, norm: str = 'batch'):
        super().__init__()
        self.cin, self.cout = cin, cout
        self.conv1 = conv3x3(cin, cout)
        self.conv2 = conv3x3(cout, cout)
        mk = nn.BatchNorm2d if norm == 'batch' else nn.InstanceNorm2d
        self.bn1 = mk(cout)
        self.bn2 = mk(cout)
        self.shortcuts = nn.Conv2d(cin, cout, kernel_size=1, stride=1, bias=False)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + (self.shortcuts(x) if self.cin != self.cout else x)
        return F.relu(out)


class LightingNet(nn.Module):
    def __init__(self, nc_input: int = 27, nc_output: int = 9, nc_middle: int = 128):
        super().__init__()
        self.nc_input = nc_input
        self.predict_FC1 = nn.Conv2d(nc_input, nc_middle, 1, bias=False)
        self.predict_relu1 = nn.PReLU()
        self.predict_FC2 = nn.Conv2d(nc_middle, nc_output, 1, bias=False)
        self.post_FC1 = nn.Conv2d(nc_output, nc_middle, 1, bias=False)
        self.post_relu1 = nn.PReLU()
        self.post_FC2 = nn.Conv2d(nc_middle, nc_input, 1, bias=False)

    def forward(self, inner, target_light):
        x = inner[:, :self.nc_input]
        rows, cols = x.shape[2], x.shape[3]
        feat = x.mean(dim=(2, 3), keepdim=True)
        source_light = self.predict_FC2(self.predict_relu1(self.predict_FC1(feat)))
        up = F.relu(self.post_FC2(self.post_relu1(self.post_FC1(target_light))))
        up = up.repeat(1, 1, rows, cols)
        # The original assigns into the slice in place; concatenation is the same tensor and exports cleanly.
        return torch.cat([up, inner[:, self.nc_input:]], 1), source_light


class HourglassBlock(nn.Module):
    def __init__(self, inplane: int, mid_plane: int, middle: nn.Module, skip: bool = True):
        super().__init__()
        self.skip = skip
        self.upper = BasicBlock(inplane, inplane, 'instance')
        self.low1 = BasicBlock(inplane, mid_plane, 'batch')
        self.middle = middle
        self.low2 = BasicBlock(mid_plane, inplane, 'instance')

    def forward(self, x, light):
        upper = self.upper(x)
        low = self.low1(F.max_pool2d(x, 2, 2))
        low, source_light = self.middle(low, light)
        low = F.interpolate(self.low2(low), scale_factor=2, mode='nearest')
        return (low + upper if self.skip else low), source_light


class HourglassNet(nn.Module):
    def __init__(self, base: int = 16, skip: bool = True):
        super().__init__()
        nc_light, nc_out_light = 27, 9
        self.pre_conv = nn.Conv2d(1, base, kernel_size=5, stride=1, padding=2)
        self.pre_bn = nn.BatchNorm2d(base)
        light = LightingNet(nc_light, nc_out_light, 128)
        hg0 = HourglassBlock(4 * base, 8 * base + nc_light, light, skip)
        hg1 = HourglassBlock(2 * base, 4 * base, hg0, skip)
        hg2 = HourglassBlock(base, 2 * base, hg1, skip)
        self.hg3 = HourglassBlock(base, base, hg2, skip)
        self.conv_1 = nn.Conv2d(base, base, 3, 1, 1)
        self.bn_1 = nn.BatchNorm2d(base)
        self.conv_2 = nn.Conv2d(base, base, 1)
        self.bn_2 = nn.BatchNorm2d(base)
        self.conv_3 = nn.Conv2d(base, base, 1)
        self.bn_3 = nn.BatchNorm2d(base)
        self.output = nn.Conv2d(base, 1, 1)

    def forward(self, image, target_light):
        feat = F.relu(self.pre_bn(self.pre_conv(image)))
        feat, source_light = self.hg3(feat, target_light)
        feat = F.relu(self.bn_1(self.conv_1(feat)))
        feat = F.relu(self.bn_2(self.conv_2(feat)))
        feat = F.relu(self.bn_3(self.conv_3(feat)))
        return torch.sigmoid(self.output(feat)), source_light


def count_macs(model: nn.Module, size: int) -> int:
    macs = 0

    def hook(mod, inp, out):
        nonlocal macs
        k = mod.kernel_size[0] * mod.kernel_size[1] * (mod.in_channels // mod.groups)
        macs += out.numel() * k

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        model(torch.zeros(1, 1, size, size), torch.zeros(1, 9, 1, 1))
    for h in hs:
        h.remove()
    return macs


def randomise_batchnorm(model: nn.Module, gen: torch.Generator) -> None:
    """Non-trivial BN statistics (default ones are an identity), so nothing degenerates in the export."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) * 0.5 + 0.75)
                m.weight.copy_(torch.rand(m.num_features, generator=gen) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.05)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--size', type=int, default=512)
    ap.add_argument('--out', type=Path, default=None)
    ap.add_argument('--opset', type=int, default=17)
    ap.add_argument('--no-skip', action='store_true', help='skip connections off (not the published demo setting)')
    args = ap.parse_args()
    if args.opset > 17:
        raise SystemExit('opset <= 17 (torch 1.13 / onnx 1.12 here)')
    out = args.out or HERE / f'dpr_hourglass_{args.size}.onnx'

    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    model = HourglassNet(16, skip=not args.no_skip)
    randomise_batchnorm(model, gen)
    model.eval()
    params = sum(p.numel() for p in model.parameters())
    macs = count_macs(model, args.size)

    image = torch.rand(1, 1, args.size, args.size, generator=gen)
    light = torch.randn(1, 9, 1, 1, generator=gen)
    with torch.no_grad():
        relit, src = model(image, light)
    torch.onnx.export(model, (image, light), str(out), opset_version=args.opset, input_names=['image', 'target_light'],
                      output_names=['relit', 'source_light'], do_constant_folding=True)
    import onnx
    m = onnx.load(str(out))
    onnx.checker.check_model(m)
    ops: dict[str, int] = {}
    for node in m.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    Path(str(out) + '.sha256').write_text(f'{digest}  {out.name}\n')
    info = {'model': out.name, 'size': args.size, 'params': params, 'macs': macs, 'bytes': out.stat().st_size,
            'sha256': digest, 'opset': args.opset, 'seed': SEED, 'torch': torch.__version__, 'skip': not args.no_skip,
            'ops': ops, 'relit_mean': float(relit.mean()), 'relit_std': float(relit.std())}
    print(json.dumps(info, indent=1))


if __name__ == '__main__':
    main()

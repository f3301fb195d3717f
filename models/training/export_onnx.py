"""ONNX export of the student and the browser-parity fixtures.

`export(model, path, size)` writes an opset-17 graph with a fixed (1, 4, size, size) input (no dynamic axes: ORT-web
plans memory once). `write_fixtures` runs PyTorch on two small deterministic inputs and writes
tests/fixtures/student/{fixtures.json, input-*.bin, output-*.bin} for tests/browser/student-parity.test.ts.

Standalone: `/usr/bin/python3 models/training/export_onnx.py --checkpoint RUN/student.pt --out models/student.onnx`
(`--random` exports untrained weights for timing experiments: see --widths/--blocks).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO_ROOT, sha256_file, write_json  # noqa: E402
from model import StudentNet, build_model, count_macs, count_params, load_compatible  # noqa: E402

INPUT_NAME = 'input'
OUTPUT_NAMES = ['normals', 'confidence', 'albedo']
FIXTURE_DIR = REPO_ROOT / 'tests' / 'fixtures' / 'student'


def export(model: torch.nn.Module, path: Path, size: int, opset: int = 17) -> dict:
    model = model.cpu().eval()
    dummy = torch.zeros(1, 4, size, size)
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(model, dummy, str(path), opset_version=opset, input_names=[INPUT_NAME],
                          output_names=OUTPUT_NAMES, do_constant_folding=True)
    import onnx
    m = onnx.load(str(path))
    onnx.checker.check_model(m)
    ops: dict[str, int] = {}
    for node in m.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    return {'path': str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path),
            'bytes': path.stat().st_size, 'sha256': sha256_file(path), 'opset': opset, 'ops': ops,
            'params': count_params(model), 'macs': count_macs(model, size), 'input_size': size}


def fixture_inputs(size: int) -> list[np.ndarray]:
    """Two small deterministic inputs: a shaded synthetic 'head' on a gradient, and seeded noise (mask included)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    u, v = (xx + 0.5) / size * 2 - 1, (yy + 0.5) / size * 2 - 1
    r2 = (u / 0.45) ** 2 + ((v + 0.1) / 0.6) ** 2
    mask = (r2 < 1).astype(np.float32)
    body = ((v > 0.45) & (np.abs(u) < 0.8)).astype(np.float32)
    mask = np.maximum(mask, body)
    nz = np.sqrt(np.clip(1 - r2, 0, 1))
    shade = np.clip(0.25 + 0.75 * (0.5 * nz + 0.5 * np.clip(-u / 0.45, -1, 1) * 0.5 + 0.25), 0, 1)
    bg = np.stack([0.2 + 0.3 * (u + 1) / 2, 0.3 + 0.0 * v, 0.5 - 0.2 * (v + 1) / 2])
    skin = np.stack([0.85 * shade, 0.65 * shade, 0.55 * shade])
    rgb = skin * mask + bg * (1 - mask)
    a = np.concatenate([rgb, mask[None]], 0)[None].astype(np.float32)
    rng = np.random.default_rng(1234)
    b = rng.random((1, 4, size, size), dtype=np.float32)
    b[:, 3] = (b[:, 3] > 0.3).astype(np.float32)
    return [np.clip(a, 0, 1), b]


def write_fixtures(model: torch.nn.Module, size: int, onnx_info: dict, out_dir: Path = FIXTURE_DIR) -> dict:
    """Raw little-endian float32 .bin files (compact, exact) plus a JSON index with shapes and a tolerance."""
    model = model.cpu().eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    cases = []
    for i, x in enumerate(fixture_inputs(size)):
        with torch.no_grad():
            outs = model(torch.from_numpy(x))
        (out_dir / f'input-{i}.bin').write_bytes(x.astype('<f4').tobytes())
        files = {}
        for name, t in zip(OUTPUT_NAMES, outs):
            arr = t.numpy().astype('<f4')
            fn = f'output-{i}-{name}.bin'
            (out_dir / fn).write_bytes(arr.tobytes())
            files[name] = {'file': fn, 'shape': list(arr.shape)}
        cases.append({'input': {'file': f'input-{i}.bin', 'shape': list(x.shape)}, 'outputs': files})
    index = {
        'model': onnx_info['path'], 'modelSha256': onnx_info['sha256'], 'inputName': INPUT_NAME,
        'outputNames': OUTPUT_NAMES, 'tolerance': 1e-4, 'torch': torch.__version__, 'cases': cases,
    }
    write_json(out_dir / 'fixtures.json', index)
    write_preprocess_fixture(out_dir)
    return index


def write_preprocess_fixture(out_dir: Path = FIXTURE_DIR) -> None:
    """A random RGBA image and its cv2.INTER_AREA downscale (what pack_data.py uses), so the TypeScript area
    resampler in src/geometry/student-io.ts is checked against the training-time preprocessing."""
    import cv2
    rng = np.random.default_rng(77)
    src = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    src = cv2.GaussianBlur(src, (3, 3), 0)
    small = cv2.resize(src, (16, 12), interpolation=cv2.INTER_AREA)
    odd = cv2.resize(src, (13, 10), interpolation=cv2.INTER_AREA)
    write_json(out_dir / 'preprocess.json', {
        'note': 'cv2.resize INTER_AREA of an RGB8 image (row-major, interleaved)', 'src': {'w': 40, 'h': 30, 'rgb': src.reshape(-1).tolist()},
        'area16x12': small.reshape(-1).tolist(), 'area13x10': odd.reshape(-1).tolist()})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--checkpoint', type=Path)
    ap.add_argument('--random', action='store_true', help='export untrained weights (timing experiments)')
    ap.add_argument('--widths', default='12,24,48,64')
    ap.add_argument('--blocks', default='0,1,1,2')
    ap.add_argument('--head', type=int, default=8)
    ap.add_argument('--up', default='convT', help='upsampling: convT | bilinear (with --random)')
    ap.add_argument('--head-up', help='last upsampling: convT | bilinear | nearest (default: --up)')
    ap.add_argument('--size', type=int, default=128)
    ap.add_argument('--out', type=Path, required=True)
    ap.add_argument('--fixtures', action='store_true', help='also write tests/fixtures/student/*')
    args = ap.parse_args()
    torch.manual_seed(0)
    if args.checkpoint:
        ck = torch.load(args.checkpoint, map_location='cpu')
        model = build_model(ck['config'])
        load_compatible(model, ck['model'])
        size = ck['config']['data']['size']
    else:
        if not args.random:
            ap.error('--checkpoint or --random')
        model = StudentNet(tuple(int(v) for v in args.widths.split(',')), tuple(int(v) for v in args.blocks.split(',')),
                           args.head, args.up, args.head_up)
        size = args.size
        # Non-trivial BN statistics so the exported graph is representative.
        model.train()
        with torch.no_grad():
            for _ in range(3):
                model(torch.rand(2, 4, size, size))
    info = export(model, args.out, size)
    print(json.dumps(info))
    if args.fixtures:
        write_fixtures(model, size, info)


if __name__ == '__main__':
    main()

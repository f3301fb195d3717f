/**
 * HDR loading: real files decode with the right orientation and values; every kind of bad input ends in a
 * RelightError('invalid-hdr') whose message says what is wrong. Crafted files come from the tiny RGBE and OpenEXR
 * writers below, so the exact expected pixels are known.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, test } from 'vitest';
import { RelightError } from '../../src/core/errors.js';
import { decodeHdrIsolated, handleHdrDecodeRequest } from '../../src/lighting/hdr-decode-client.js';
import type { HdrWorkerLike } from '../../src/lighting/hdr-decode-client.js';
import { decodeHdr, HDR_LIMITS, probeHdr, sniffHdrFormat } from '../../src/lighting/hdr-loader.js';
import { dataUrlToBytes, loadPmndrsEnvMap } from '../../src/lighting/env-sh-generator.js';
import { DATA_DIR, hasData } from '../support/env.js';

type Rgb = [number, number, number];
type PixelFn = (x: number, y: number) => Rgb;

// ---- writers --------------------------------------------------------------------------------------------------

function floatToRgbe([r, g, b]: Rgb): [number, number, number, number] {
  const v = Math.max(r, g, b);
  if (v < 1e-32) return [0, 0, 0, 0];
  const e = Math.ceil(Math.log2(v) + 1e-9); // v = m * 2^e, m in (0.5, 1]
  const scale = 256 / 2 ** e;
  const q = (x: number): number => Math.min(255, Math.max(0, Math.floor(x * scale)));
  return [q(r), q(g), q(b), e + 128];
}

/** A Radiance file; `rle` writes new-style run-length scanlines (literal runs only), else flat pixels. */
function makeRgbe(w: number, h: number, px: PixelFn, opts: { rle?: boolean; header?: string } = {}): Uint8Array {
  const header = opts.header ?? `#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y ${h} +X ${w}\n`;
  const out: number[] = Array.from(header, (c) => c.charCodeAt(0));
  for (let y = 0; y < h; y++) {
    const row = Array.from({ length: w }, (_, x) => floatToRgbe(px(x, y)));
    if (!opts.rle) {
      for (const p of row) out.push(...p);
      continue;
    }
    out.push(2, 2, w >> 8, w & 255);
    for (let ch = 0; ch < 4; ch++) {
      for (let x0 = 0; x0 < w; x0 += 128) {
        const n = Math.min(128, w - x0);
        out.push(n);
        for (let x = x0; x < x0 + n; x++) out.push(row[x]![ch]!);
      }
    }
  }
  return Uint8Array.from(out);
}

/** A single-part scanline OpenEXR, uncompressed, float (or other pixelType) channels, sorted names. */
function makeExr(w: number, h: number, px: PixelFn, opts: { channels?: string[]; pixelType?: number; dataWindow?: number[] } = {}): Uint8Array {
  const channels = [...(opts.channels ?? ['B', 'G', 'R'])].sort();
  const pixelType = opts.pixelType ?? 2;
  const bytes: number[] = [0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0];
  const str = (s: string): void => { for (const c of s) bytes.push(c.charCodeAt(0)); bytes.push(0); };
  const i32 = (v: number): void => { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, v, true); bytes.push(...b); };
  const f32 = (v: number): void => { const b = new Uint8Array(4); new DataView(b.buffer).setFloat32(0, v, true); bytes.push(...b); };
  const attr = (name: string, type: string, body: number[]): void => { str(name); str(type); i32(body.length); bytes.push(...body); };
  const body = (fn: () => void): number[] => { const start = bytes.length; fn(); return bytes.splice(start); };
  attr('channels', 'chlist', body(() => {
    for (const c of channels) { str(c); i32(pixelType); bytes.push(0, 0, 0, 0); i32(1); i32(1); }
    bytes.push(0);
  }));
  attr('compression', 'compression', [0]);
  const dw = opts.dataWindow ?? [0, 0, w - 1, h - 1];
  attr('dataWindow', 'box2i', body(() => dw.forEach(i32)));
  attr('displayWindow', 'box2i', body(() => dw.forEach(i32)));
  attr('lineOrder', 'lineOrder', [0]);
  attr('pixelAspectRatio', 'float', body(() => f32(1)));
  attr('screenWindowCenter', 'v2f', body(() => { f32(0); f32(0); }));
  attr('screenWindowWidth', 'float', body(() => f32(1)));
  bytes.push(0);
  const lineBytes = channels.length * w * 4;
  const tableStart = bytes.length;
  for (let y = 0; y < h; y++) {
    const off = tableStart + h * 8 + y * (8 + lineBytes);
    i32(off); i32(0); // uint64 little-endian, high word 0
  }
  for (let y = 0; y < h; y++) {
    i32(y); i32(lineBytes);
    for (const c of channels) {
      for (let x = 0; x < w; x++) {
        const [r, g, b] = px(x, y);
        f32(c === 'R' || c === 'Y' ? r : c === 'G' ? g : b);
      }
    }
  }
  return Uint8Array.from(bytes);
}

async function expectInvalid(p: Promise<unknown> | (() => unknown), pattern: RegExp): Promise<RelightError> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err, `expected a RelightError matching ${pattern}`).toBeInstanceOf(RelightError);
  expect((err as RelightError).code).toBe('invalid-hdr');
  expect((err as RelightError).message).toMatch(pattern);
  return err as RelightError;
}

/** Deterministic pseudo-random bytes. */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; out[i] = s >>> 24; }
  return out;
}

// A 16 x 8 test pattern: bright top row (sky), a red pixel at (3, 2), a gradient elsewhere.
const W = 16, H = 8;
const pattern: PixelFn = (x, y) => (y === 0 ? [4, 4, 4] : x === 3 && y === 2 ? [8, 0.5, 0.25] : [0.1 + x / 64, 0.2, 0.3 + y / 32]);

function expectPattern(env: { widthPx: number; heightPx: number; data: Float32Array }, tol: number): void {
  expect([env.widthPx, env.heightPx]).toEqual([W, H]);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const want = pattern(x, y);
      for (let c = 0; c < 3; c++) expect(Math.abs(env.data[(y * W + x) * 3 + c]! - want[c]!)).toBeLessThanOrEqual(tol * Math.max(1, want[c]!));
    }
  }
}

// ---- good files ------------------------------------------------------------------------------------------------

describe('decodeHdr: valid files', () => {
  test('crafted RGBE, flat and run-length encoded, decode top row first with RGBE precision', async () => {
    expectPattern(await decodeHdr(makeRgbe(W, H, pattern)), 0.02);
    expectPattern(await decodeHdr(makeRgbe(W, H, pattern, { rle: true })), 0.02);
  });

  test('crafted float OpenEXR decodes exactly, top row first (three writes EXR bottom-up; we flip)', async () => {
    expectPattern(await decodeHdr(makeExr(W, H, pattern)), 1e-6);
  });

  test('luminance-only (Y) OpenEXR becomes grey RGB', async () => {
    const env = await decodeHdr(makeExr(W, H, (x) => [x / 4, 0, 0], { channels: ['Y'] }));
    expect(Array.from(env.data.subarray(3 * 5, 3 * 6))).toEqual([1.25, 1.25, 1.25]);
  });

  test('XYZE Radiance files are converted to linear sRGB', async () => {
    const d65: Rgb = [0.95047, 1, 1.08883]; // XYZ of the D65 white -> RGB (1, 1, 1)
    const bytes = makeRgbe(W, H, () => d65, { header: `#?RADIANCE\nFORMAT=32-bit_rle_xyze\n\n-Y ${H} +X ${W}\n` });
    const env = await decodeHdr(bytes);
    for (let c = 0; c < 3; c++) expect(env.data[c]!).toBeCloseTo(1, 1);
  });

  test('@pmndrs/assets EXRs (DWAB, half) decode at 512 x 256 with finite values and the sky on top', async () => {
    // Three outdoor-lit maps; all 18 are decoded by the lighting-env-sh and sh-projection tests. (Not `studio`:
    // its lit floor outshines its small softboxes.)
    const names = ['city', 'bridge', 'sunset'] as const;
    for (const name of names) {
      const env = await loadPmndrsEnvMap(name);
      expect([env.widthPx, env.heightPx]).toEqual([512, 256]);
      let top = 0, bottom = 0;
      for (let i = 0; i < env.data.length; i++) {
        expect(Number.isFinite(env.data[i]!)).toBe(true);
        if (i < env.data.length / 4) top += env.data[i]!; else if (i >= (3 * env.data.length) / 4) bottom += env.data[i]!;
      }
      expect(top, name).toBeGreaterThan(bottom);
    }
  }, 60_000);

  test('the Radiance files in the shared data decode (skips loudly when absent)', async () => {
    if (!hasData('hdri/drei_assets_1k_hdr', 'lighting-hdr-loader')) return;
    const env = await decodeHdr(readFileSync(resolve(DATA_DIR, 'hdri/drei_assets_1k_hdr/potsdamer_platz_1k.hdr')), 'potsdamer.hdr');
    expect([env.widthPx, env.heightPx]).toEqual([1024, 512]);
    let top = 0, bottom = 0;
    for (let i = 0; i < env.data.length; i++) {
      if (i < env.data.length / 4) top += env.data[i]!; else if (i >= (3 * env.data.length) / 4) bottom += env.data[i]!;
    }
    expect(top).toBeGreaterThan(2 * bottom);
  }, 60_000);

  test('probeHdr reads format and size from the header only', async () => {
    expect(probeHdr(makeRgbe(W, H, pattern))).toEqual({ format: 'rgbe', widthPx: W, heightPx: H });
    expect(probeHdr(makeExr(W, H, pattern))).toEqual({ format: 'exr', widthPx: W, heightPx: H });
    expect(sniffHdrFormat(makeExr(W, H, pattern))).toBe('exr');
  });
});

// ---- bad files -------------------------------------------------------------------------------------------------

describe('decodeHdr: every bad input is a clear invalid-hdr error', () => {
  test('zero-size input', async () => {
    await expectInvalid(decodeHdr(new Uint8Array(0), 'empty.hdr'), /"empty\.hdr" is empty/);
  });

  test('random bytes', async () => {
    await expectInvalid(decodeHdr(randomBytes(4096, 1)), /not an HDR environment map \(unknown file signature\)/);
  });

  test('a real PNG says it is a PNG', async () => {
    const png = new PNG({ width: 8, height: 4 });
    await expectInvalid(decodeHdr(PNG.sync.write(png), 'photo.png'), /"photo\.png" is not an HDR environment map: it is a PNG image/);
  });

  test('JPEG and WebP signatures are named', async () => {
    await expectInvalid(decodeHdr(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])), /a JPEG image/);
    await expectInvalid(decodeHdr(Uint8Array.from([...Buffer.from('RIFF\0\0\0\0WEBPVP8 ')])), /a WebP image/);
  });

  test('wrong magic: a corrupted EXR magic number, a Radiance file without "#?"', async () => {
    const exr = makeExr(W, H, pattern);
    exr[1] = 0x30;
    await expectInvalid(decodeHdr(exr), /unknown file signature/);
    const rgbe = makeRgbe(W, H, pattern);
    rgbe[1] = 0x21; // "#!"
    await expectInvalid(decodeHdr(rgbe), /unknown file signature/);
  });

  test('header damage: no FORMAT, unsupported format, no resolution line, unsupported scan order', async () => {
    await expectInvalid(decodeHdr(makeRgbe(W, H, pattern, { header: `#?RADIANCE\n\n-Y ${H} +X ${W}\n` })), /no FORMAT line/);
    await expectInvalid(decodeHdr(makeRgbe(W, H, pattern, { header: `#?RADIANCE\nFORMAT=32-bit_rle_rgba\n\n-Y ${H} +X ${W}\n` })),
      /unsupported Radiance pixel format/);
    await expectInvalid(decodeHdr(Buffer.from('#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n')), /resolution line is missing/);
    await expectInvalid(decodeHdr(makeRgbe(W, H, pattern, { header: `#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n+Y ${H} +X ${W}\n` })),
      /scanline order "\+Y 8 \+X 16"/);
    await expectInvalid(decodeHdr(Buffer.from('#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n')), /no empty line ends it/);
  });

  test('huge header dimensions are refused before any allocation', async () => {
    const t0 = performance.now();
    await expectInvalid(decodeHdr(Buffer.from('#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 100000 +X 200000\n')),
      /200000 x 100000 px; the largest supported environment map is 8192 x 4096/);
    const exr = makeExr(W, H, pattern, { dataWindow: [0, 0, 65535, 32767] });
    await expectInvalid(decodeHdr(exr), /65536 x 32768 px; the largest supported/);
    const neg = makeExr(W, H, pattern, { dataWindow: [0, 0, -5, 3] });
    await expectInvalid(decodeHdr(neg), /invalid image size/);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  test('too small and not 2:1', async () => {
    await expectInvalid(decodeHdr(makeRgbe(4, 2, pattern)), /4 x 2 px; the smallest supported environment map is 8 x 4/);
    await expectInvalid(decodeHdr(makeRgbe(32, 32, pattern)), /aspect 1\.00:1\); an environment map must be an equirectangular panorama/);
    await expectInvalid(decodeHdr(makeExr(96, 16, pattern)), /aspect 6\.00:1/);
  });

  test('file size limit (64 MB) is checked first', async () => {
    const big = new Uint8Array(HDR_LIMITS.maxFileBytes + 1);
    big.set(Buffer.from('#?RADIANCE\n'));
    await expectInvalid(decodeHdr(big, 'big.hdr'), /"big\.hdr" is 64\.0 MB; the limit for an environment map is 64 MB/);
  });

  test('truncated crafted RGBE, run-length and flat: three would silently decode black rows', async () => {
    const rle = makeRgbe(64, 32, pattern, { rle: true });
    const e = await expectInvalid(decodeHdr(rle.subarray(0, Math.floor(rle.length * 0.6))), /truncated: its pixel data ends in scanline \d+ of 32/);
    expect(Number(/scanline (\d+)/.exec(e.message)![1])).toBeGreaterThan(15); // ~60% of the rows were there
    expect(Number(/scanline (\d+)/.exec(e.message)![1])).toBeLessThan(22);
    const flat = makeRgbe(64, 32, pattern);
    await expectInvalid(decodeHdr(flat.subarray(0, flat.length - 1)), /truncated: its pixel data ends in scanline 32 of 32/);
  });

  test('corrupt run lengths in an RGBE scanline', async () => {
    const rle = makeRgbe(64, 32, pattern, { rle: true });
    const headerLen = `#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 32 +X 64\n`.length;
    const bad = rle.slice();
    bad[headerLen + 4] = 0; // first run count of the first scanline
    await expectInvalid(decodeHdr(bad), /scanline 1 of 32 has a bad run length/);
    const bad2 = rle.slice();
    // The green channel's run count, made too long: the stream falls out of step, which must be caught somewhere.
    bad2[headerLen + 4 + 1 + 64] = 127;
    const e = await expectInvalid(decodeHdr(bad2), /scanline/);
    expect(e.message).toMatch(/bad run length|bad run-length header|truncated/);
  });

  test('truncated real Radiance file (skips loudly when the shared data is absent)', async () => {
    if (!hasData('hdri/drei_assets_1k_hdr/studio_small_03_1k.hdr', 'lighting-hdr-loader')) return;
    const bytes = readFileSync(resolve(DATA_DIR, 'hdri/drei_assets_1k_hdr/studio_small_03_1k.hdr'));
    for (const frac of [0.999, 0.5, 0.01]) {
      await expectInvalid(decodeHdr(bytes.subarray(0, Math.floor(bytes.length * frac)), 'studio.hdr'), /"studio\.hdr" is truncated/);
    }
    await expectInvalid(decodeHdr(bytes.subarray(0, 40), 'studio.hdr'), /truncated or corrupt Radiance header/);
  });

  test('truncated real OpenEXR (from node_modules/@pmndrs/assets)', async () => {
    const mod = await import('@pmndrs/assets/hdri/city.exr.js');
    const bytes = dataUrlToBytes(mod.default);
    for (const frac of [0.99, 0.5, 0.05]) {
      await expectInvalid(decodeHdr(bytes.subarray(0, Math.floor(bytes.length * frac)), 'city.exr'), /"city\.exr" is truncated or corrupt/);
    }
    await expectInvalid(decodeHdr(bytes.subarray(0, 30), 'city.exr'), /truncated or corrupt: .*(OpenEXR header|OpenEXR attribute)/);
  }, 60_000);

  test('EXR without colour channels, or with integer channels', async () => {
    await expectInvalid(decodeHdr(makeExr(W, H, pattern, { channels: ['Z'] })), /no colour channels \(needs R, G, B or Y; found Z\)/);
    await expectInvalid(decodeHdr(makeExr(W, H, pattern, { pixelType: 0 })), /as unsigned integers; only half and float/);
  });

  test('NaN and Inf values', async () => {
    await expectInvalid(decodeHdr(makeExr(W, H, (x, y) => (x === 1 && y === 1 ? [NaN, 0, 0] : [1, 1, 1]))), /contains 1 NaN or infinite values/);
    await expectInvalid(decodeHdr(makeExr(W, H, (x) => (x < 2 ? [Infinity, 1, 1] : [1, 1, 1]))), /contains 16 NaN or infinite values/);
  });

  test('negative values: codec ringing is kept, signed data is refused', async () => {
    // 5% negative energy (like DWA ringing around a sun) is accepted and kept as is.
    const ringing = await decodeHdr(makeExr(W, H, (x) => (x === 0 ? [-0.1, -0.1, -0.1] : [0.15, 0.15, 0.15])));
    expect(ringing.data[0]).toBeCloseTo(-0.1, 6);
    // A normal map (values in -1..1) is not radiance.
    await expectInvalid(decodeHdr(makeExr(W, H, (x, y) => [Math.sin(x), Math.cos(y), Math.sin(x + y)])),
      /holds large negative values \(\d+% of its light\): it is not a radiance map/);
  });

  test('an all-black map holds no light', async () => {
    await expectInvalid(decodeHdr(makeRgbe(W, H, () => [0, 0, 0])), /completely black/);
  });
});

// ---- the worker wrapper ----------------------------------------------------------------------------------------

/** A fake worker that answers with handleHdrDecodeRequest, or never (to model three's infinite loop). */
function fakeWorker(mode: 'answer' | 'hang' | 'crash'): HdrWorkerLike & { terminated: boolean } {
  const w = {
    onmessage: null as HdrWorkerLike['onmessage'],
    onerror: null as HdrWorkerLike['onerror'],
    terminated: false,
    postMessage(message: unknown): void {
      if (mode === 'hang') return;
      if (mode === 'crash') { setTimeout(() => w.onerror?.({ message: 'boom' }), 0); return; }
      void handleHdrDecodeRequest(message as { bytes: ArrayBuffer; name?: string }).then((res) => w.onmessage?.({ data: res }));
    },
    terminate(): void { w.terminated = true; },
  };
  return w;
}

describe('decodeHdrIsolated', () => {
  test('decodes through the worker and terminates it', async () => {
    const worker = fakeWorker('answer');
    const env = await decodeHdrIsolated(makeExr(W, H, pattern), 'a.exr', { createWorker: () => worker });
    expectPattern(env, 1e-6);
    expect(worker.terminated).toBe(true);
  });

  test('a decoder that never returns (three EXRLoader on corrupt Huffman data) times out with a clear error', async () => {
    const worker = fakeWorker('hang');
    await expectInvalid(decodeHdrIsolated(makeExr(W, H, pattern), 'bad.exr', { createWorker: () => worker, timeoutMs: 50 }),
      /"bad\.exr" could not be decoded within 0 s: it is probably corrupt/);
    expect(worker.terminated).toBe(true);
  });

  test('worker errors and decode errors come back as invalid-hdr', async () => {
    await expectInvalid(decodeHdrIsolated(makeExr(W, H, pattern), 'x.exr', { createWorker: () => fakeWorker('crash') }), /worker failed \(boom\)/);
    await expectInvalid(decodeHdrIsolated(makeRgbe(W, H, () => [0, 0, 0]), 'k.hdr', { createWorker: () => fakeWorker('answer') }), /completely black/);
    // Header errors are reported without starting a worker.
    let started = false;
    await expectInvalid(decodeHdrIsolated(new Uint8Array(0), 'e.hdr', { createWorker: () => { started = true; return fakeWorker('answer'); } }), /is empty/);
    expect(started).toBe(false);
  });

  test('without a worker (Node, strict CSP) it decodes on the calling thread', async () => {
    expectPattern(await decodeHdrIsolated(makeExr(W, H, pattern), 'a.exr', { createWorker: () => undefined }), 1e-6);
  });
});

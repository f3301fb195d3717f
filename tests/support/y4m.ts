/**
 * Fake-camera clips for Chromium's --use-file-for-fake-video-capture. Synthetic clips are written in plain Node
 * (no ffmpeg needed on a fresh machine); real clips from the shared data are converted with ffmpeg at test time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { dirname, resolve, basename } from 'node:path';
import { ARTIFACTS_DIR, DATA_DIR } from './env.js';

/** RGB(x, y, t) in 0..255 -> one y4m I420 frame. */
export type PixelFn = (x: number, y: number, frame: number) => [number, number, number];

export function writeY4m(path: string, widthPx: number, heightPx: number, frames: number, pixel: PixelFn, fps = 30): string {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  writeSync(fd, `YUV4MPEG2 W${widthPx} H${heightPx} F${fps}:1 Ip A1:1 C420jpeg\n`);
  const ySize = widthPx * heightPx;
  const cw = widthPx >> 1;
  const ch = heightPx >> 1;
  const buf = Buffer.alloc(ySize + 2 * cw * ch);
  for (let f = 0; f < frames; f++) {
    const u = new Float32Array(cw * ch);
    const v = new Float32Array(cw * ch);
    for (let y = 0; y < heightPx; y++) {
      for (let x = 0; x < widthPx; x++) {
        const [r, g, b] = pixel(x, y, f);
        // BT.601 full range (JPEG), as the C420jpeg tag says.
        buf[y * widthPx + x] = clamp(0.299 * r + 0.587 * g + 0.114 * b);
        const ci = (y >> 1) * cw + (x >> 1);
        u[ci]! += (-0.168736 * r - 0.331264 * g + 0.5 * b + 128) / 4;
        v[ci]! += (0.5 * r - 0.418688 * g - 0.081312 * b + 128) / 4;
      }
    }
    for (let i = 0; i < cw * ch; i++) {
      buf[ySize + i] = clamp(u[i]!);
      buf[ySize + cw * ch + i] = clamp(v[i]!);
    }
    writeSync(fd, 'FRAME\n');
    writeSync(fd, buf);
  }
  closeSync(fd);
  return path;
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/** A person-like synthetic clip: a skin-toned head and shoulders over a textured background, gently moving. */
export function syntheticPortraitY4m(widthPx = 640, heightPx = 480, frames = 90): string {
  const path = resolve(ARTIFACTS_DIR, `synthetic-${widthPx}x${heightPx}-${frames}.y4m`);
  if (existsSync(path)) return path;
  return writeY4m(path, widthPx, heightPx, frames, (x, y, f) => {
    const cx = widthPx / 2 + 10 * Math.sin(f / 15);
    const headR = heightPx * 0.2;
    const hx = (x - cx) / (headR * 0.8);
    const hy = (y - heightPx * 0.38) / headR;
    const inHead = hx * hx + hy * hy < 1;
    const sx = (x - cx) / (widthPx * 0.32);
    const sy = (y - heightPx * 1.0) / (heightPx * 0.42);
    const inBody = sx * sx + sy * sy < 1;
    if (inHead) return [205 - 30 * hx, 160 - 25 * hx, 135 - 20 * hx];
    if (inBody) return [60, 80, 140];
    const check = ((x >> 5) + (y >> 5)) & 1;
    return check ? [150, 150, 140] : [120, 125, 120];
  });
}

/** Converts a shared-data clip (e.g. videos/grid/xxx.mpg) into a 640-wide y4m under tests/.artifacts. */
export function sharedClipY4m(rel: string, widthPx = 640, seconds = 3): string {
  const src = resolve(DATA_DIR, rel);
  const out = resolve(ARTIFACTS_DIR, `${basename(rel).replace(/\.[^.]+$/, '')}-${widthPx}.y4m`);
  if (existsSync(out)) return out;
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', src, '-t', String(seconds), '-vf', `scale=${widthPx}:-2,fps=30`,
    '-pix_fmt', 'yuv420p', out]);
  return out;
}

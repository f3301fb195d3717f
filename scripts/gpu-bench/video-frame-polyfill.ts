/**
 * A minimal `VideoFrame` for Node (which has no WebCodecs): just enough of the interface for WebGpuRenderer and
 * CpuRenderer. RGBA only; the constructor takes an RGBA buffer + init (honouring `layout[0].stride`, as the
 * WebGPU renderer's 256-byte-aligned readback rows need) and keeps a tight copy; `copyTo` writes tight RGBA rows
 * of the requested rect. Why a polyfill and not a package: the renderer only needs these few members, and a real
 * decoder would measure the codec, not the renderer.
 */

interface Rect { x: number; y: number; width: number; height: number }

export class NodeVideoFrame {
  readonly format = 'RGBA';
  readonly codedWidth: number;
  readonly codedHeight: number;
  readonly displayWidth: number;
  readonly displayHeight: number;
  readonly visibleRect: Rect;
  readonly timestamp: number;
  readonly duration: number | null;
  readonly colorSpace: unknown;
  private data: Uint8Array | null;

  constructor(src: ArrayBufferView | ArrayBuffer, init: {
    format?: string; codedWidth: number; codedHeight: number; timestamp: number; duration?: number;
    layout?: { offset: number; stride: number }[]; colorSpace?: unknown;
  }) {
    if (init.format !== undefined && init.format !== 'RGBA') throw new TypeError(`[NodeVideoFrame] only RGBA is supported, got ${init.format}`);
    const w = init.codedWidth, h = init.codedHeight;
    const bytes = src instanceof ArrayBuffer ? new Uint8Array(src) : new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
    const stride = init.layout?.[0]?.stride ?? w * 4, offset = init.layout?.[0]?.offset ?? 0;
    if (bytes.length < offset + stride * (h - 1) + w * 4) throw new TypeError('[NodeVideoFrame] buffer too small for the frame');
    // Copy (like the real constructor): the caller may unmap or reuse its buffer right after.
    this.data = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) this.data.set(bytes.subarray(offset + y * stride, offset + y * stride + w * 4), y * w * 4);
    this.codedWidth = w; this.codedHeight = h;
    this.displayWidth = w; this.displayHeight = h;
    this.visibleRect = { x: 0, y: 0, width: w, height: h };
    this.timestamp = init.timestamp;
    this.duration = init.duration ?? null;
    this.colorSpace = init.colorSpace ?? null;
  }

  allocationSize(): number {
    return this.codedWidth * this.codedHeight * 4;
  }

  async copyTo(dest: ArrayBufferView | ArrayBuffer, opts: { format?: string; rect?: Rect } = {}): Promise<{ offset: number; stride: number }[]> {
    if (!this.data) throw new DOMException('[NodeVideoFrame] copyTo after close', 'InvalidStateError');
    if (opts.format !== undefined && opts.format !== 'RGBA') throw new TypeError(`[NodeVideoFrame] copyTo only writes RGBA, got ${opts.format}`);
    const r = opts.rect ?? this.visibleRect;
    const out = dest instanceof ArrayBuffer ? new Uint8Array(dest) : new Uint8Array(dest.buffer, dest.byteOffset, dest.byteLength);
    if (out.length < r.width * r.height * 4) throw new TypeError('[NodeVideoFrame] destination too small');
    const W = this.codedWidth;
    for (let y = 0; y < r.height; y++) {
      const s = ((r.y + y) * W + r.x) * 4;
      out.set(this.data.subarray(s, s + r.width * 4), y * r.width * 4);
    }
    return [{ offset: 0, stride: r.width * 4 }];
  }

  /** Test helper (not WebCodecs): the tight RGBA pixels. */
  pixels(): Uint8Array {
    if (!this.data) throw new Error('[NodeVideoFrame] closed');
    return this.data;
  }

  close(): void {
    this.data = null;
  }
}

/** Installs NodeVideoFrame as globalThis.VideoFrame when there is none. */
export function installVideoFramePolyfill(): void {
  const g = globalThis as { VideoFrame?: unknown };
  if (typeof g.VideoFrame === 'undefined') g.VideoFrame = NodeVideoFrame;
}

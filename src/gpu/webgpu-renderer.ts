/**
 * `WebGpuRenderer`: the relighting maths of relight-math.ts on the GPU, three compute passes per frame
 * (shaders/*.wgsl), with the source-light estimate on the CPU from the low-res guide read back (a 128x128 fit
 * costs ~1-5 ms; a GPU reduction would save the map/readback but not the solve).
 *
 * Per frame:
 *   upload    VideoFrame -> frameTex: copyExternalImageToTexture on real GPUs (capability-probed once), else
 *             VideoFrame.copyTo(RGBA) + writeTexture (the only path that works on SwiftShader); mask, geometry
 *             via writeTexture.
 *   pass 1    downsample.wgsl: frameTex + mask -> guide[cur] (low-res linear rgb + mask); copy -> guideReadback.
 *   CPU       map guideReadback; estimate + smooth the source SH, normalisation, global motion (cpu-relighter.ts,
 *             the same code as CpuRenderer); write the uniform buffer.
 *   pass 2    shading-ratio.wgsl: geometry + guide[cur], guide[prev], ratio[prev] -> ratio[cur].
 *   pass 3    composite.wgsl: frameTex + mask + guide[cur] + ratio[cur] -> outTex.
 *   output    copy outTex -> outReadback, map, new VideoFrame(mapped bytes, stride-padded layout).
 *
 * Why readback and not an OffscreenCanvas + new VideoFrame(canvas): on this machine's headless Chromium with
 * SwiftShader, the first getCurrentTexture() of ANY WebGPU canvas (OffscreenCanvas or <canvas>, rgba8/bgra8)
 * loses the device ("A valid external Instance reference no longer exists"), so the canvas path could be
 * neither tested nor timed here; an untested output path is not shipped. See README.md.
 *
 * Resources: every texture and buffer is created in `allocate()` (first frame, and whenever the frame, mask or
 * geometry size changes) and destroyed there or in `dispose()`; each is counted by the leak tracker. Temporal
 * history ping-pongs between guide[0|1] and ratio[0|1] (`cur` flips every frame).
 *
 * Device loss is handled in one place (`watchDevice`): it records the reason, calls `onDeviceLost`, and every
 * later `render` rejects with RelightError('gpu-lost'). Nothing is rebuilt here: the caller falls back.
 */
import { RelightError, describeError } from '../core/errors.js';
import { closeTracked, noteOpened, trackOpen } from '../core/leak-tracker.js';
import { ShSmoother, globalMotionPx } from '../core/temporal.js';
import type { GeometryMaps, Mask, TargetLighting } from '../core/types.js';
import { DEFAULT_TUNING, prepareFrameConstants, type RelightTuning } from './cpu-relighter.js';
import { backgroundMultiplier, smoothstep, type LowResGuide } from './relight-math.js';
import type { RenderDiagnostics, RenderTimings, Renderer, RenderTuning } from './renderer.js';
import { describeAdapter, isFallbackAdapter, requestAdapter } from './webgpu-device.js';
import commonWgsl from './shaders/common.wgsl?raw';
import downsampleWgsl from './shaders/downsample.wgsl?raw';
import shadingRatioWgsl from './shaders/shading-ratio.wgsl?raw';
import compositeWgsl from './shaders/composite.wgsl?raw';

export interface WebGpuRendererOptions {
  /** A device to share (the caller keeps owning it); otherwise the renderer requests and owns its own. */
  device?: GPUDevice;
  /** 'auto' probes copyExternalImageToTexture(VideoFrame) on hardware adapters; 'copy-to' never uses it. */
  upload?: 'auto' | 'copy-to' | 'external';
  tuning?: RenderTuning;
  /** Called once when the device is lost (not after dispose). */
  onDeviceLost?: (reason: string) => void;
}

/** Uniform buffer layout (must match `struct Params` in shaders/common.wgsl): 68 x 4 bytes. */
const PARAMS_BYTES = 272;
const P_SH = 8, P_MEAN = 44, P_BG = 48, P_RATIO = 52, P_JBU = 56, P_MOTION = 60, P_TEMPORAL = 64;

const align256 = (n: number) => Math.ceil(n / 256) * 256;

interface Sized {
  frameW: number; frameH: number; maskW: number; maskH: number; geoW: number; geoH: number;
  frameTex: GPUTexture;
  outTex: GPUTexture;
  maskTex: GPUTexture;
  geoTex: GPUTexture;
  guideTex: [GPUTexture, GPUTexture];
  ratioTex: [GPUTexture, GPUTexture];
  guideReadback: GPUBuffer;
  guideRowBytes: number;
  outReadback: GPUBuffer;
  outRowBytes: number;
  /** CPU copies of guide[0|1] (for the estimate and the global motion term). */
  guideCpu: [Float32Array, Float32Array];
  staging: Uint8ClampedArray<ArrayBuffer>;
  geoPacked: Float32Array<ArrayBuffer>;
  bind: { downsample: [GPUBindGroup, GPUBindGroup]; ratio: [GPUBindGroup, GPUBindGroup]; composite: [GPUBindGroup, GPUBindGroup] };
}

export class WebGpuRenderer implements Renderer {
  readonly backend = 'webgpu' as const;
  private device: GPUDevice | null = null;
  private ownsDevice = false;
  private adapterInfo = '';
  private fallbackAdapter = false;
  private layouts: { downsample: GPUBindGroupLayout; ratio: GPUBindGroupLayout; composite: GPUBindGroupLayout } | null = null;
  private pipelines: { downsample: GPUComputePipeline; ratio: GPUComputePipeline; composite: GPUComputePipeline } | null = null;
  private paramsBuf: GPUBuffer | null = null;
  private readonly params = new ArrayBuffer(PARAMS_BYTES);
  private readonly paramsF = new Float32Array(this.params);
  private readonly paramsU = new Uint32Array(this.params);
  private sized: Sized | null = null;
  private cur: 0 | 1 = 0;
  private hasHistory = false;
  private readonly smoother = new ShSmoother();
  private tuning: RelightTuning = DEFAULT_TUNING;
  private fastUpload: 'unknown' | 'yes' | 'no' = 'unknown';
  private lostReason: string | null = null;
  private gpuError: string | null = null;
  private disposed = false;
  private busy = false;
  private timings: RenderTimings = { transferMs: 0, estimateMs: 0, shadeMs: 0 };
  private diagnostics: RenderDiagnostics = { sourceSh: null, estimatePixels: 0, estimateRelResidual: 0, meanRatio: [1, 1, 1] };

  constructor(private readonly opts: WebGpuRendererOptions = {}) {
    if (opts.tuning) this.configure(opts.tuning);
  }

  /** Adapter description and whether it is a software fallback (for stats / the tier table). */
  adapter(): { description: string; fallback: boolean } {
    return { description: this.adapterInfo, fallback: this.fallbackAdapter };
  }

  /** The upload path in use after the first frame: 'external' (copyExternalImageToTexture) or 'copy-to'. */
  uploadPath(): 'external' | 'copy-to' | 'unknown' {
    return this.fastUpload === 'yes' ? 'external' : this.fastUpload === 'no' ? 'copy-to' : 'unknown';
  }

  async init(): Promise<void> {
    if (this.disposed) throw new RelightError('disposed', '[WebGpuRenderer] init after dispose');
    if (typeof VideoFrame === 'undefined') throw new RelightError('unsupported', '[WebGpuRenderer] VideoFrame is not available here');
    let device = this.opts.device;
    if (!device) {
      const adapter = await requestAdapter();
      this.adapterInfo = describeAdapter(adapter);
      this.fallbackAdapter = isFallbackAdapter(adapter);
      device = await adapter.requestDevice();
      this.ownsDevice = true;
    } else {
      this.adapterInfo = 'shared device';
    }
    this.device = device;
    this.watchDevice(device);
    const upload = this.opts.upload ?? 'auto';
    if (upload === 'copy-to' || (upload === 'auto' && this.fallbackAdapter)) this.fastUpload = 'no';
    this.createPipelines(device);
    this.paramsBuf = this.createBuffer({ size: PARAMS_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: 'relight-params' });
  }

  configure(tuning: RenderTuning): void {
    this.tuning = {
      smoothing: tuning.smoothing ?? this.tuning.smoothing,
      params: { ...this.tuning.params, ...(tuning.params ?? {}) },
    };
  }

  reset(): void {
    this.smoother.reset();
    this.hasHistory = false;
  }

  lastTimings(): RenderTimings {
    return this.timings;
  }

  lastDiagnostics(): RenderDiagnostics {
    return this.diagnostics;
  }

  async render(frame: VideoFrame, mask: Mask, geometry: GeometryMaps, lighting: TargetLighting): Promise<VideoFrame> {
    if (this.disposed) throw new RelightError('disposed', '[WebGpuRenderer] render after dispose');
    if (this.lostReason) throw new RelightError('gpu-lost', `[WebGpuRenderer] device lost: ${this.lostReason}`);
    if (this.gpuError) throw new RelightError('gpu-failed', `[WebGpuRenderer] ${this.gpuError}`);
    if (!this.device || !this.pipelines) throw new RelightError('gpu-failed', '[WebGpuRenderer] render before init');
    if (this.busy) throw new RelightError('gpu-failed', '[WebGpuRenderer] render called while the previous frame is in flight');
    this.busy = true;
    try {
      return await this.renderFrame(this.device, frame, mask, geometry, lighting);
    } catch (e) {
      if (e instanceof RelightError) throw e;
      if (this.lostReason) throw new RelightError('gpu-lost', `[WebGpuRenderer] device lost: ${this.lostReason}`, { cause: e });
      throw new RelightError('gpu-failed', `[WebGpuRenderer] ${describeError(e)}`, { cause: e });
    } finally {
      this.busy = false;
    }
  }

  /** Idempotent. Order: GPU resources, then the device (if owned); a lost-device callback after this is ignored. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.release();
    closeTracked('GPUBuffer', this.paramsBuf);
    this.paramsBuf = null;
    this.pipelines = null;
    this.layouts = null;
    if (this.ownsDevice) this.device?.destroy();
    this.device = null;
  }

  // ----------------------------------------------------------------------------------------------------------

  private watchDevice(device: GPUDevice): void {
    void device.lost.then((info) => {
      if (this.disposed) return;
      this.lostReason = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
      console.warn(`[WebGpuRenderer] device lost (${this.lostReason}); renders now fail with gpu-lost`);
      this.opts.onDeviceLost?.(this.lostReason);
    });
    device.addEventListener('uncapturederror', (ev) => {
      const msg = (ev as GPUUncapturedErrorEvent).error.message;
      console.error(`[WebGpuRenderer] GPU error: ${msg}`);
      this.gpuError ??= msg;
    });
  }

  private createPipelines(device: GPUDevice): void {
    const tex = (binding: number): GPUBindGroupLayoutEntry => ({ binding, visibility: GPUShaderStage.COMPUTE, texture: { sampleType: 'unfilterable-float' } });
    const uni: GPUBindGroupLayoutEntry = { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } };
    const store = (binding: number, format: GPUTextureFormat): GPUBindGroupLayoutEntry => ({ binding, visibility: GPUShaderStage.COMPUTE, storageTexture: { access: 'write-only', format } });
    const layouts = {
      downsample: device.createBindGroupLayout({ label: 'downsample', entries: [uni, tex(1), tex(2), store(3, 'rgba32float')] }),
      ratio: device.createBindGroupLayout({ label: 'shading-ratio', entries: [uni, tex(1), tex(2), tex(3), tex(4), store(5, 'rgba32float')] }),
      composite: device.createBindGroupLayout({ label: 'composite', entries: [uni, tex(1), tex(2), tex(3), tex(4), store(5, 'rgba8unorm')] }),
    };
    const pipeline = (label: string, code: string, layout: GPUBindGroupLayout) => device.createComputePipeline({
      label,
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module: device.createShaderModule({ label, code: `${commonWgsl}\n${code}` }), entryPoint: 'main' },
    });
    this.layouts = layouts;
    this.pipelines = {
      downsample: pipeline('downsample', downsampleWgsl, layouts.downsample),
      ratio: pipeline('shading-ratio', shadingRatioWgsl, layouts.ratio),
      composite: pipeline('composite', compositeWgsl, layouts.composite),
    };
  }

  private createTexture(desc: GPUTextureDescriptor): GPUTexture {
    noteOpened('GPUTexture');
    return this.device!.createTexture(desc);
  }

  private createBuffer(desc: GPUBufferDescriptor): GPUBuffer {
    noteOpened('GPUBuffer');
    return this.device!.createBuffer(desc);
  }

  /** Allocates everything size-dependent; called on the first frame and on any size change. */
  private allocate(frameW: number, frameH: number, maskW: number, maskH: number, geoW: number, geoH: number): Sized {
    this.release();
    const T = GPUTextureUsage;
    const lowRes = (label: string) => this.createTexture({ label, size: [geoW, geoH], format: 'rgba32float', usage: T.STORAGE_BINDING | T.TEXTURE_BINDING | T.COPY_SRC });
    const guideRowBytes = align256(geoW * 16), outRowBytes = align256(frameW * 4);
    const s: Sized = {
      frameW, frameH, maskW, maskH, geoW, geoH,
      frameTex: this.createTexture({ label: 'frame', size: [frameW, frameH], format: 'rgba8unorm', usage: T.TEXTURE_BINDING | T.COPY_DST | T.RENDER_ATTACHMENT }),
      outTex: this.createTexture({ label: 'out', size: [frameW, frameH], format: 'rgba8unorm', usage: T.STORAGE_BINDING | T.COPY_SRC }),
      maskTex: this.createTexture({ label: 'mask', size: [maskW, maskH], format: 'r32float', usage: T.TEXTURE_BINDING | T.COPY_DST }),
      geoTex: this.createTexture({ label: 'geometry', size: [geoW, geoH], format: 'rgba32float', usage: T.TEXTURE_BINDING | T.COPY_DST }),
      guideTex: [lowRes('guide0'), lowRes('guide1')],
      ratioTex: [lowRes('ratio0'), lowRes('ratio1')],
      guideReadback: this.createBuffer({ label: 'guide-readback', size: guideRowBytes * geoH, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
      guideRowBytes,
      outReadback: this.createBuffer({ label: 'out-readback', size: outRowBytes * frameH, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
      outRowBytes,
      guideCpu: [new Float32Array(geoW * geoH * 4), new Float32Array(geoW * geoH * 4)],
      staging: new Uint8ClampedArray(frameW * frameH * 4),
      geoPacked: new Float32Array(geoW * geoH * 4),
      bind: { downsample: null!, ratio: null!, composite: null! },
    };
    const dev = this.device!, L = this.layouts!, P = { buffer: this.paramsBuf! };
    const v = (t: GPUTexture) => t.createView();
    const both = <T>(f: (c: 0 | 1) => T): [T, T] => [f(0), f(1)];
    s.bind.downsample = both((c) => dev.createBindGroup({ layout: L.downsample, entries: [
      { binding: 0, resource: P }, { binding: 1, resource: v(s.frameTex) }, { binding: 2, resource: v(s.maskTex) }, { binding: 3, resource: v(s.guideTex[c]) }] }));
    s.bind.ratio = both((c) => dev.createBindGroup({ layout: L.ratio, entries: [
      { binding: 0, resource: P }, { binding: 1, resource: v(s.geoTex) }, { binding: 2, resource: v(s.guideTex[c]) },
      { binding: 3, resource: v(s.guideTex[1 - c]!) }, { binding: 4, resource: v(s.ratioTex[1 - c]!) }, { binding: 5, resource: v(s.ratioTex[c]) }] }));
    s.bind.composite = both((c) => this.compositeBindGroup(s, c, s.outTex));
    this.cur = 0;
    this.hasHistory = false;
    this.sized = s;
    return s;
  }

  private compositeBindGroup(s: Sized, c: 0 | 1, out: GPUTexture): GPUBindGroup {
    return this.device!.createBindGroup({ layout: this.layouts!.composite, entries: [
      { binding: 0, resource: { buffer: this.paramsBuf! } }, { binding: 1, resource: s.frameTex.createView() },
      { binding: 2, resource: s.maskTex.createView() }, { binding: 3, resource: s.guideTex[c].createView() },
      { binding: 4, resource: s.ratioTex[c].createView() }, { binding: 5, resource: out.createView() }] });
  }

  /** Destroys the size-dependent resources (textures first, then buffers). */
  private release(): void {
    const s = this.sized;
    if (!s) return;
    this.sized = null;
    for (const t of [s.frameTex, s.outTex, s.maskTex, s.geoTex, ...s.guideTex, ...s.ratioTex]) closeTracked('GPUTexture', t);
    for (const b of [s.guideReadback, s.outReadback]) closeTracked('GPUBuffer', b);
  }

  private async upload(dev: GPUDevice, frame: VideoFrame, s: Sized): Promise<void> {
    const size = [s.frameW, s.frameH] as const;
    if (this.fastUpload !== 'no') {
      if (this.fastUpload === 'yes') {
        dev.queue.copyExternalImageToTexture({ source: frame }, { texture: s.frameTex }, size);
        return;
      }
      // First frame on a hardware adapter: probe the zero-copy path once.
      dev.pushErrorScope('validation');
      let thrown: unknown = null;
      try {
        dev.queue.copyExternalImageToTexture({ source: frame }, { texture: s.frameTex }, size);
      } catch (e) {
        thrown = e;
      }
      const err = await dev.popErrorScope();
      if (!thrown && !err) {
        this.fastUpload = 'yes';
        return;
      }
      this.fastUpload = 'no';
      console.info(`[WebGpuRenderer] copyExternalImageToTexture(VideoFrame) unavailable (${describeError(thrown ?? err?.message)}); using VideoFrame.copyTo + writeTexture`);
    }
    await frame.copyTo(s.staging, {
      format: 'RGBA', colorSpace: 'srgb', rect: frame.visibleRect ?? { x: 0, y: 0, width: s.frameW, height: s.frameH }, // visible rect may be offset
    } as VideoFrameCopyToOptions);
    dev.queue.writeTexture({ texture: s.frameTex }, s.staging, { bytesPerRow: s.frameW * 4 }, size);
  }

  private async renderFrame(dev: GPUDevice, frame: VideoFrame, mask: Mask, geometry: GeometryMaps, lighting: TargetLighting): Promise<VideoFrame> {
    const t0 = performance.now();
    const W = frame.displayWidth, H = frame.displayHeight, gw = geometry.widthPx, gh = geometry.heightPx;
    let s = this.sized;
    if (!s || s.frameW !== W || s.frameH !== H || s.maskW !== mask.widthPx || s.maskH !== mask.heightPx || s.geoW !== gw || s.geoH !== gh) {
      s = this.allocate(W, H, mask.widthPx, mask.heightPx, gw, gh);
    }
    const cur = this.cur, prev = (1 - cur) as 0 | 1;

    await this.upload(dev, frame, s);
    dev.queue.writeTexture({ texture: s.maskTex }, mask.data as Float32Array<ArrayBuffer>, { bytesPerRow: s.maskW * 4 }, [s.maskW, s.maskH]);
    const g = s.geoPacked;
    for (let p = 0; p < gw * gh; p++) {
      g[p * 4] = geometry.normals[p * 3]!;
      g[p * 4 + 1] = geometry.normals[p * 3 + 1]!;
      g[p * 4 + 2] = geometry.normals[p * 3 + 2]!;
      g[p * 4 + 3] = geometry.confidence[p]!;
    }
    dev.queue.writeTexture({ texture: s.geoTex }, g, { bytesPerRow: gw * 16 }, [gw, gh]);
    const u = this.paramsU;
    u[0] = W; u[1] = H; u[2] = s.maskW; u[3] = s.maskH; u[4] = gw; u[5] = gh; u[6] = this.hasHistory ? 1 : 0; u[7] = 0;
    dev.queue.writeBuffer(this.paramsBuf!, 0, this.params);
    const t1 = performance.now();

    // Pass 1: the low-res guide, read back for the estimate.
    const pipes = this.pipelines!;
    const wg = (n: number) => Math.ceil(n / 8);
    let enc = dev.createCommandEncoder({ label: 'relight-guide' });
    let pass = enc.beginComputePass({ label: 'downsample' });
    pass.setPipeline(pipes.downsample);
    pass.setBindGroup(0, s.bind.downsample[cur]);
    pass.dispatchWorkgroups(wg(gw), wg(gh));
    pass.end();
    enc.copyTextureToBuffer({ texture: s.guideTex[cur] }, { buffer: s.guideReadback, bytesPerRow: s.guideRowBytes }, [gw, gh]);
    dev.queue.submit([enc.finish()]);
    await s.guideReadback.mapAsync(GPUMapMode.READ);
    const mapped = new Float32Array(s.guideReadback.getMappedRange());
    const guideData = s.guideCpu[cur];
    const rowFloats = s.guideRowBytes / 4;
    for (let y = 0; y < gh; y++) guideData.set(mapped.subarray(y * rowFloats, y * rowFloats + gw * 4), y * gw * 4);
    s.guideReadback.unmap();

    // CPU: the light estimate and the per-frame constants (shared with CpuRenderer).
    const guide: LowResGuide = { widthPx: gw, heightPx: gh, data: guideData };
    const { sourceLum, norm, estimate, sourceSh } = prepareFrameConstants(guide, geometry, lighting, this.smoother, this.tuning);
    const prm = this.tuning.params;
    const keep = this.hasHistory ? 1 - smoothstep(prm.motionLo, prm.motionHi, globalMotionPx(guideData, s.guideCpu[prev], gw, gh)) : 0;
    const f = this.paramsF, t = lighting.irradianceSh;
    for (let k = 0; k < 9; k++) {
      f[P_SH + k * 4] = t[k * 3]!; f[P_SH + k * 4 + 1] = t[k * 3 + 1]!; f[P_SH + k * 4 + 2] = t[k * 3 + 2]!; f[P_SH + k * 4 + 3] = sourceLum[k]!;
    }
    f.set([...norm.meanRatio, (norm.meanSource * norm.exposureGain) / Math.PI], P_MEAN);
    f.set([...backgroundMultiplier(lighting.background, lighting.backgroundDim, norm.meanRatio), Math.min(1, Math.max(0, lighting.strength))], P_BG);
    f.set([prm.ratioMin, prm.ratioMax, norm.sourceFloorAbs, prm.highlightKnee], P_RATIO);
    f.set([1 / (prm.guideSigma * prm.guideSigma), 1 / (prm.maskSigma * prm.maskSigma), prm.maskEpsilon, 0], P_JBU);
    f.set([prm.motionLo, prm.motionHi, prm.motionEpsGuide, prm.motionEpsMask], P_MOTION);
    f.set([Math.min(0.99, Math.max(0, this.tuning.smoothing)) * keep, 0, 0, 0], P_TEMPORAL);
    dev.queue.writeBuffer(this.paramsBuf!, 0, this.params);
    const t2 = performance.now();

    // Passes 2 + 3: ratio (with temporal history) and the full-resolution composite, then the readback.
    enc = dev.createCommandEncoder({ label: 'relight-shade' });
    pass = enc.beginComputePass({ label: 'shading-ratio' });
    pass.setPipeline(pipes.ratio);
    pass.setBindGroup(0, s.bind.ratio[cur]);
    pass.dispatchWorkgroups(wg(gw), wg(gh));
    pass.end();
    pass = enc.beginComputePass({ label: 'composite' });
    pass.setPipeline(pipes.composite);
    pass.setBindGroup(0, s.bind.composite[cur]);
    pass.dispatchWorkgroups(wg(W), wg(H));
    pass.end();
    enc.copyTextureToBuffer({ texture: s.outTex }, { buffer: s.outReadback, bytesPerRow: s.outRowBytes }, [W, H]);
    dev.queue.submit([enc.finish()]);
    await s.outReadback.mapAsync(GPUMapMode.READ);
    const t3 = performance.now();
    const init: VideoFrameBufferInit = {
      format: 'RGBA', codedWidth: W, codedHeight: H, timestamp: frame.timestamp,
      displayWidth: frame.displayWidth, displayHeight: frame.displayHeight,
      layout: [{ offset: 0, stride: s.outRowBytes }],
      colorSpace: { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'rgb', fullRange: true },
    };
    if (frame.duration != null) init.duration = frame.duration;
    // The constructor copies the pixels (row stride = the 256-aligned readback rows); then the buffer is unmapped.
    const out = trackOpen('VideoFrame', new VideoFrame(new Uint8Array(s.outReadback.getMappedRange(), 0, s.outRowBytes * H), init));
    s.outReadback.unmap();
    const t4 = performance.now();

    this.cur = prev;
    this.hasHistory = true;
    this.diagnostics = {
      sourceSh: Float32Array.from(sourceSh),
      estimatePixels: estimate?.pixels ?? 0,
      estimateRelResidual: estimate?.relResidual ?? 0,
      meanRatio: norm.meanRatio,
    };
    this.timings = { transferMs: t1 - t0 + (t4 - t3), estimateMs: t2 - t1, shadeMs: t3 - t2 };
    return out;
  }
}

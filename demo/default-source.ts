/**
 * The demo's camera stand-in when there is no camera: NASA's public-domain astronaut portrait (demo/assets,
 * see SOURCE.md), gently animated (slow sway, breathing zoom, a slight head tilt) so the temporal parts of the
 * pipeline see motion. Returns a 30 fps MediaStream from a canvas; `stop()` ends it.
 */
import astronautUrl from './assets/astronaut.jpg?url';

export interface SampleSource {
  stream: MediaStream;
  stop(): void;
}

/** Centre of the astronaut's face in the 512x512 portrait (x right, y down). */
const FACE_CENTRE_PX: readonly [number, number] = [222, 115];
/** Canvas px per portrait px at 640x480. */
const FRAMING_SCALE = 1.58;

export async function createSampleSource(widthPx = 640, heightPx = 480, fps = 30): Promise<SampleSource> {
  const img = new Image();
  img.src = astronautUrl;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = widthPx;
  canvas.height = heightPx;
  const ctx = canvas.getContext('2d')!;
  const stream = canvas.captureStream(fps);
  let raf = 0;
  let stopped = false;
  const t0 = performance.now();
  const draw = (now: number) => {
    if (stopped) return;
    const t = (now - t0) / 1000;
    // Framed like a webcam: the face centred horizontally, a little above the middle, ~20 % of the width (so the
    // demo's before/after line crosses it). The portrait covers the canvas at every moment of the motion.
    const scale = FRAMING_SCALE * Math.max(widthPx / 640, heightPx / 480) * (1 + 0.015 * Math.sin(t * 0.9));
    ctx.save();
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, widthPx, heightPx);
    ctx.translate(widthPx / 2 + 6 * Math.sin(t * 0.6), heightPx * 0.35 + 3 * Math.sin(t * 1.1));
    ctx.rotate(0.015 * Math.sin(t * 0.7));
    ctx.scale(scale, scale);
    ctx.drawImage(img, -FACE_CENTRE_PX[0] * (img.width / 512), -FACE_CENTRE_PX[1] * (img.height / 512));
    ctx.restore();
    raf = requestAnimationFrame(draw);
  };
  raf = requestAnimationFrame(draw);
  return {
    stream,
    stop() {
      stopped = true;
      cancelAnimationFrame(raf);
      stream.getTracks().forEach((t) => t.stop());
    },
  };
}

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
    // Cover the canvas with the square portrait, framed on the face (the portrait's upper half).
    const scale = (widthPx / img.width) * (1.02 + 0.015 * Math.sin(t * 0.9));
    ctx.save();
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, widthPx, heightPx);
    ctx.translate(widthPx / 2 + 8 * Math.sin(t * 0.6), heightPx / 2 + 3 * Math.sin(t * 1.1));
    ctx.rotate(0.015 * Math.sin(t * 0.7));
    ctx.scale(scale, scale);
    ctx.drawImage(img, -img.width / 2, -img.height * 0.42);
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

/**
 * MediaPipeSegmenter on camera frames (Chromium's fake camera, I420 VideoFrames from MediaStreamTrackProcessor),
 * segmented on the main thread and in a module worker (frames transferred), with MaskSmoother applied to the
 * real masks: the person stays found frame after frame, the smoothed mask changes less per frame than the raw
 * one without trailing it where it moves, and both realms end with zero open handles.
 * Clips: a GRID corpus talking head (shared data; skipped loudly when absent) and the synthetic clip.
 * Writes tests/.artifacts/segment-camera-*.png: frame | raw mask | smoothed mask.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { launch, type Launched } from '../support/browser.js';
import { ARTIFACTS_DIR, hasData } from '../support/env.js';
import { openTestPage, pageApi, type PageApi } from '../support/pages.js';
import { sharedClipY4m, syntheticPortraitY4m } from '../support/y4m.js';

const WHO = 'segment-camera.test';

// The page's shapes: type-only imports (erased at run time; the Node test never loads the page modules).
import type { Box } from './pages/segment-harness.js';
import type { SegmentTestApi } from './pages/segment-page.js';

interface Clip {
  name: string;
  y4m: () => string;
  available: () => boolean;
  /** Inside the face for the whole clip (annotated once from the clip; the speaker barely moves). */
  faceBox: Box;
  backgroundBoxes: Box[];
}

const CLIPS: Clip[] = [
  {
    // GRID bbaf2n: 360x288, eyes at about (130, 152) and (180, 152); blue backdrop in the top corners.
    name: 'grid-bbaf2n',
    available: () => hasData('videos/grid/bbaf2n.mpg', WHO),
    y4m: () => sharedClipY4m('videos/grid/bbaf2n.mpg', 640, 3),
    faceBox: [135 / 360, 160 / 288, 175 / 360, 194 / 288],
    backgroundBoxes: [[0, 0.02, 0.12, 0.14], [0.88, 0.02, 1, 0.14]],
  },
  {
    // tests/support/y4m.ts syntheticPortraitY4m: head ellipse at (0.5 +- 10 px, 0.38), radius 0.2 h.
    name: 'synthetic',
    available: () => true,
    y4m: () => syntheticPortraitY4m(640, 480, 90),
    faceBox: [0.45, 0.3, 0.55, 0.45],
    backgroundBoxes: [[0, 0, 0.12, 0.12], [0.88, 0, 1, 0.12]],
  },
];

for (const clip of CLIPS) {
  describe.skipIf(!clip.available())(`MediaPipeSegmenter on camera frames: ${clip.name}`, () => {
    let browser: Launched;
    let segment: PageApi<SegmentTestApi>;

    beforeAll(async () => {
      browser = await launch({ fakeVideo: clip.y4m() });
      segment = pageApi<SegmentTestApi>(await openTestPage(browser, 'segment.html'), 'segmentTest');
    });

    afterAll(async () => {
      await browser?.close();
    });

    for (const realm of ['main', 'worker'] as const) {
      it(`segments ${clip.name} camera frames (${realm})`, async () => {
        const options = { frames: 45, faceBox: clip.faceBox, backgroundBoxes: clip.backgroundBoxes, smoothing: 0.7 };
        const r = await segment.camera(realm, options);
        mkdirSync(ARTIFACTS_DIR, { recursive: true });
        writeFileSync(resolve(ARTIFACTS_DIR, `segment-camera-${clip.name}-${realm}.png`), Buffer.from(r.overlayPngBase64, 'base64'));
        const minFace = Math.min(...r.faceMeans);
        const maxBackground = Math.max(...r.backgroundMeans);
        console.log(`[${WHO}] ${clip.name} ${realm}: ${r.backend}, ${r.frameFormat} ${r.frameWidthPx}x${r.frameHeightPx} -> ` +
          `${r.maskWidthPx}x${r.maskHeightPx}, init ${r.initMs.toFixed(0)} ms, median segment() ${r.medianMs.toFixed(1)} ms ` +
          `(resize ${r.medianResizeMs.toFixed(1)}); ` +
          `face min ${minFace.toFixed(3)}, background max ${maxBackground.toFixed(3)}; change/frame raw ` +
          `${r.rawChangePerFrame.toFixed(4)} smoothed ${r.smoothedChangePerFrame.toFixed(4)} EMA ${r.emaChangePerFrame.toFixed(4)}; ` +
          `lag on motion smoothed ${r.smoothedLagOnMotion.toFixed(3)} EMA ${r.emaLagOnMotion.toFixed(3)} over ${r.motionPixels} px; ` +
          `leaks ${JSON.stringify(r.leak)}`);

        expect(r.maskWidthPx).toBe(256);
        expect(r.maskHeightPx).toBe(256);
        expect(r.faceMeans).toHaveLength(options.frames);
        expect(minFace, 'face confidence, worst frame').toBeGreaterThan(0.7);
        expect(maxBackground, 'background confidence, worst frame').toBeLessThan(0.2);
        // Smoothing removes frame-to-frame change (flicker) ...
        expect(r.smoothedChangePerFrame).toBeLessThan(r.rawChangePerFrame);
        // ... but where the raw mask really moved, the smoothed one is with it: far closer than a plain EMA.
        expect(r.motionPixels).toBeGreaterThan(0);
        expect(r.smoothedLagOnMotion).toBeLessThan(0.5 * r.emaLagOnMotion);
        expect(r.leak.pageTotal, JSON.stringify(r.leak.page)).toBe(0);
        expect(r.leak.hostTotal, JSON.stringify(r.leak.host)).toBe(0);
      });
    }
  });
}

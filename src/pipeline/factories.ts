/**
 * Name -> implementation tables for the engine's seams. Dynamic imports keep what a host does not use out of its
 * start-up (the worker never loads the CPU exposure stage when it relights, and vice versa).
 */
import type { FrameStage } from './stage.js';
import type { Segmenter } from '../segmentation/segmenter.js';
import { RelightError } from '../core/errors.js';

export type SegmenterKind = 'mediapipe' | 'ellipse';
export type StageKind = 'relight' | 'exposure' | 'null';
export type GeometryKind = 'student' | 'analytic' | 'silhouette';

export interface StageOptions {
  geometry: GeometryKind;
  assetBaseUrl?: string;
  onProgress?: (what: string, fraction: number) => void;
}

export const SEGMENTER_KINDS: readonly SegmenterKind[] = ['mediapipe', 'ellipse'];
export const STAGE_KINDS: readonly StageKind[] = ['relight', 'exposure', 'null'];
export const GEOMETRY_KINDS: readonly GeometryKind[] = ['student', 'analytic', 'silhouette'];

/** `frameAspectHint`: width / height the frames are expected to have (picks the segmentation model variant). */
export async function createSegmenter(kind: SegmenterKind, assetBaseUrl?: string, frameAspectHint?: number): Promise<Segmenter> {
  switch (kind) {
    case 'mediapipe': {
      const [{ MediaPipeSegmenter }, { AspectAwareSegmenter }] = await Promise.all([
        import('../segmentation/mediapipe-segmenter.js'), import('../segmentation/aspect-segmenter.js')]);
      return new AspectAwareSegmenter({ frameAspectHint, createVariant: (model) => new MediaPipeSegmenter({ assetBaseUrl, model }) });
    }
    case 'ellipse': {
      const { EllipseSegmenter } = await import('../testing/ellipse-segmenter.js');
      return new EllipseSegmenter();
    }
    default:
      throw new RelightError('unsupported', `unknown segmenter "${String(kind)}"`);
  }
}

export async function createStage(kind: StageKind, options: StageOptions): Promise<FrameStage> {
  switch (kind) {
    case 'null': {
      const { NullStage } = await import('./null-stage.js');
      return new NullStage();
    }
    case 'exposure': {
      const { ExposureStage } = await import('./exposure-stage.js');
      return new ExposureStage();
    }
    case 'relight': {
      const { RelightStage } = await import('./relight-stage.js');
      return new RelightStage(options);
    }
    default:
      throw new RelightError('unsupported', `unknown stage "${String(kind)}"`);
  }
}

/**
 * The renderer undoes the student's albedo contrast compression with `albedoOffset`, a number measured on the
 * shipped model (models/training/calibrate_albedo.py -> results/albedo_calibration.json). A new model with another
 * compression must come with a new calibration: this fails when models/student.onnx is not the calibrated model or
 * the renderer's constant is not the calibration's (rounded to 2 decimals, as it is written in relight-math.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RELIGHT_PARAMS } from '../../src/gpu/relight-math.js';

const ROOT = new URL('../../', import.meta.url);
const calibration = JSON.parse(readFileSync(new URL('models/training/results/albedo_calibration.json', ROOT), 'utf8')) as {
  onnx_sha256: string | null;
  validation_portraits: { median_offset: number; items: number };
};

describe('albedo calibration', () => {
  it('belongs to the shipped model', () => {
    const sha = createHash('sha256').update(readFileSync(new URL('models/student.onnx', ROOT))).digest('hex');
    expect(calibration.onnx_sha256, 'rerun calibrate_albedo.py on the shipped checkpoint').toBe(sha);
  });

  it("is the renderer's albedoOffset", () => {
    expect(calibration.validation_portraits.items).toBeGreaterThanOrEqual(30);
    expect(DEFAULT_RELIGHT_PARAMS.albedoOffset).toBeCloseTo(calibration.validation_portraits.median_offset, 2);
  });
});

/**
 * Drift test for src/lighting/env-sh.generated.ts: recomputes the SH of the 18 @pmndrs/assets maps from
 * node_modules (decode + projection) and compares with the committed table.
 * Regenerate: RELIGHT_WRITE_ENV_SH=1 npx vitest run --project unit tests/unit/lighting-env-sh.test.ts
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { computePmndrsEnvSh, formatEnvShModule, PMNDRS_ENV_NAMES } from '../../src/lighting/env-sh-generator.js';
import { ENV_NAMES, ENV_RADIANCE_SH } from '../../src/lighting/env-sh.generated.js';
import { REPO_ROOT } from '../support/env.js';

const TABLE_PATH = resolve(REPO_ROOT, 'src/lighting/env-sh.generated.ts');

describe('env-sh.generated.ts', () => {
  test('matches the SH recomputed from @pmndrs/assets in node_modules', async () => {
    const fresh = await computePmndrsEnvSh();
    const source = formatEnvShModule(fresh);
    if (process.env.RELIGHT_WRITE_ENV_SH === '1') {
      writeFileSync(TABLE_PATH, source);
      console.warn(`[lighting-env-sh] wrote ${TABLE_PATH}`);
    }
    expect([...ENV_NAMES]).toEqual(PMNDRS_ENV_NAMES);
    for (const name of PMNDRS_ENV_NAMES) {
      const committed = ENV_RADIANCE_SH[name];
      const now = fresh[name];
      expect(committed, name).toHaveLength(27);
      // Relative to the map's DC: the table keeps 7 significant digits.
      const scale = Math.abs(now[1]!);
      for (let i = 0; i < 27; i++) {
        expect(Math.abs(committed[i]! - now[i]!), `${name}[${i}]: regenerate the table (see header)`).toBeLessThan(1e-5 * scale);
      }
    }
  }, 120_000);
});

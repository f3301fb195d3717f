/**
 * `npm run build:models`: runs `build()` of every scripts/build-*.mjs that exports one, in name order, one at a
 * time (the machine is small; builders write to models/generated/, which is git-ignored).
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const self = 'build-models.mjs';
for (const name of readdirSync(dir).filter((f) => /^build-.*\.mjs$/.test(f) && f !== self).sort()) {
  const mod = await import(pathToFileURL(`${dir}/${name}`).href);
  if (typeof mod.build !== 'function') continue;
  const t0 = performance.now();
  await mod.build();
  console.log(`[BuildModels] ${name} done in ${Math.round(performance.now() - t0)} ms`);
}

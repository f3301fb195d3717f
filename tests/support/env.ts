/** Where the shared data lives, and loud skipping when it does not. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const DATA_DIR = resolve(REPO_ROOT, process.env.RELIGHT_DATA ?? '../shared/data');
export const ARTIFACTS_DIR = resolve(REPO_ROOT, 'tests/.artifacts');

/** True when `rel` (relative to the data dir) exists; otherwise prints why the caller will skip. */
export function hasData(rel: string, who: string): boolean {
  const p = resolve(DATA_DIR, rel);
  if (existsSync(p)) return true;
  console.warn(`[skip] ${who}: shared data not found at ${p} (set RELIGHT_DATA to the data folder)`);
  return false;
}

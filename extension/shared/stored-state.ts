/**
 * What the extension keeps in `chrome.storage.local`, and the only way to read it: every value is validated on the
 * way in (settings through src/core/settings.ts `validatePatch`), so a corrupted or hand-edited store degrades to
 * the defaults with a logged reason instead of reaching the relighter.
 *
 * Layout (chrome.storage.local):
 * - `settings`: the user's lighting (a full RelightSettings; its `enabled` is ignored, see `sites`).
 * - `sites`: `{ [top-level origin]: true }` for each site the user turned relighting on for. Default: off everywhere.
 * - `devOptions`: developer overrides (which stage/segmenter/geometry/host the engine uses); set from the service
 *   worker console or by the e2e tests, never by a web page (pages cannot reach chrome.storage).
 *
 * Imported by the bridge content script, so it must stay small: settings.ts only, no engine code.
 */
import { DEFAULT_SETTINGS, applyPatch, validatePatch, type RelightSettings } from '../../src/core/settings.js';

export const STORAGE_KEYS = { settings: 'settings', sites: 'sites', dev: 'devOptions' } as const;

export type StageName = 'relight' | 'exposure' | 'null';
export type SegmenterName = 'mediapipe' | 'ellipse';
export type GeometryName = 'student' | 'analytic' | 'silhouette';
export type HostName = 'auto' | 'worker' | 'main';

export interface DevOptions {
  stage?: StageName;
  segmenter?: SegmenterName;
  geometry?: GeometryName;
  host?: HostName;
  /** Fault injection for the fail-open tests: 'start' makes the bridge fail to start a session. */
  fault?: 'start';
}

export interface StoredState {
  settings: RelightSettings;
  sites: Record<string, boolean>;
  dev: DevOptions;
}

// Duplicated from src/pipeline/factories.ts on purpose: importing that module would pull the engine into the
// bridge content script (it is loaded on every page). extension/engine/relight-host.ts asserts at compile time
// that these names equal the engine's.
const STAGES: readonly StageName[] = ['relight', 'exposure', 'null'];
const SEGMENTERS: readonly SegmenterName[] = ['mediapipe', 'ellipse'];
const GEOMETRIES: readonly GeometryName[] = ['student', 'analytic', 'silhouette'];
const HOSTS: readonly HostName[] = ['auto', 'worker', 'main'];

/** Stored settings, validated; the defaults (and a logged reason) when the stored value is not valid. */
export function readSettings(raw: unknown): RelightSettings {
  if (raw === undefined) return { ...DEFAULT_SETTINGS, keyLight: { ...DEFAULT_SETTINGS.keyLight } };
  try {
    return applyPatch(DEFAULT_SETTINGS, raw);
  } catch (e) {
    console.warn(`[StoredState] ignoring invalid stored settings: ${(e as Error).message}`);
    return { ...DEFAULT_SETTINGS, keyLight: { ...DEFAULT_SETTINGS.keyLight } };
  }
}

/** `true` entries whose key is a plain http(s) origin; anything else is dropped. */
export function readSites(raw: unknown): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return out;
  for (const [key, value] of Object.entries(raw)) {
    if (value === true && siteKey(key) === key) out[key] = true;
  }
  return out;
}

export function readDevOptions(raw: unknown): DevOptions {
  const out: DevOptions = {};
  if (typeof raw !== 'object' || raw === null) return out;
  const r = raw as Record<string, unknown>;
  if (STAGES.includes(r.stage as StageName)) out.stage = r.stage as StageName;
  if (SEGMENTERS.includes(r.segmenter as SegmenterName)) out.segmenter = r.segmenter as SegmenterName;
  if (GEOMETRIES.includes(r.geometry as GeometryName)) out.geometry = r.geometry as GeometryName;
  if (HOSTS.includes(r.host as HostName)) out.host = r.host as HostName;
  if (r.fault === 'start') out.fault = 'start';
  return out;
}

export function readState(items: Record<string, unknown>): StoredState {
  return {
    settings: readSettings(items[STORAGE_KEYS.settings]),
    sites: readSites(items[STORAGE_KEYS.sites]),
    dev: readDevOptions(items[STORAGE_KEYS.dev]),
  };
}

/** The settings a site's relighter runs with: the user's lighting, `enabled` = on for that site. */
export function effectiveSettings(state: StoredState, site: string | null): RelightSettings {
  return { ...state.settings, keyLight: { ...state.settings.keyLight }, enabled: site !== null && state.sites[site] === true };
}

/**
 * The key a site is stored under: its origin, for http(s) only (null for opaque origins, file:, about:, ...).
 * Calls embedded in an iframe are keyed by the top-level page (what the user sees in the address bar).
 */
export function siteKey(origin: string | null | undefined): string | null {
  if (!origin) return null;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  return url.origin;
}

/** Validated patch for storage: the popup's only writer. Throws SettingsError on bad input. */
export function nextSettings(current: RelightSettings, patch: unknown): RelightSettings {
  const clean = validatePatch(patch);
  delete clean.enabled; // per site, see `sites`
  return { ...applyPatch(current, clean), enabled: true };
}

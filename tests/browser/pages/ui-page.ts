/**
 * Test page for the rl-* elements. `?el=` picks what to render (one element first in tab order, so a test can
 * press Tab from the page start and land in it); `?theme=light|dark` forces a theme. Every rl-* event that
 * reaches the document is recorded in `window.__events` for the Node test to read.
 */
import '../../../src/ui/index.js';
import { resolveSettings } from '../../../src/core/settings.js';
import type { RgbaImage } from '../../../src/core/types.js';
import { presetItemsFrom, type PresetDescriptor } from '../../../src/ui/preset-previews.js';
import type { PresetItem } from '../../../src/ui/preset-picker-element.js';
import type { RelighterStatsView } from '../../../src/ui/status-element.js';
import type { ThemeName } from '../../../src/ui/themed-element.js';

(globalThis as { __RELIGHT_DEV__?: boolean }).__RELIGHT_DEV__ = true;

const params = new URLSearchParams(location.search);

interface RecordedEvent {
  type: string;
  target: string;
  detail: unknown;
}
const events: RecordedEvent[] = [];
(window as unknown as { __events: RecordedEvent[] }).__events = events;
const EVENT_TYPES = [
  'rl-settings-change',
  'rl-settings-error',
  'rl-preset-change',
  'rl-direction-change',
  'rl-background-change',
  'rl-toggle-change',
  'rl-slider-change',
];
for (const type of EVENT_TYPES) {
  document.addEventListener(type, (e) => {
    const target = (e.target as HTMLElement).id || (e.target as HTMLElement).localName;
    events.push({ type, target, detail: JSON.parse(JSON.stringify((e as CustomEvent).detail)) });
  });
}

const which = params.get('el') ?? 'gallery';
const theme = (params.get('theme') ?? 'auto') as ThemeName;
if (theme === 'dark') document.body.classList.add('dark');

/**
 * Preview images for the test presets: a sphere lit from each preset's direction and colour, the kind of image
 * src/lighting renders. Page-local so this page does not depend on the lighting code's progress.
 */
const TEST_PRESETS: (PresetDescriptor & { dir: [number, number, number]; tint: [number, number, number] })[] = [
  { id: 'studio-key', label: 'Studio', description: 'Soft key from the upper left', dir: [-0.5, 0.5, 0.7], tint: [1, 0.97, 0.92] },
  { id: 'window-left', label: 'Window', description: 'Daylight from a window at your side', dir: [-0.9, 0.2, 0.35], tint: [0.85, 0.92, 1] },
  { id: 'golden-hour', label: 'Golden hour', description: 'Warm, low sun', dir: [0.7, 0.15, 0.7], tint: [1, 0.75, 0.45] },
  { id: 'overcast', label: 'Overcast', description: 'Even, shadowless light', dir: [0, 1, 0.3], tint: [0.9, 0.93, 0.97] },
  { id: 'ring-light', label: 'Ring light', description: 'Flat frontal light', dir: [0, 0, 1], tint: [1, 1, 1] },
  { id: 'neon-night', label: 'Neon', description: 'Magenta and cyan rims', dir: [0.8, 0.3, -0.2], tint: [0.9, 0.35, 1] },
];

function previewOf(id: string, sizePx: number): RgbaImage {
  const p = TEST_PRESETS.find((t) => t.id === id)!;
  const [lx, ly, lz] = p.dir.map((v) => v / Math.hypot(...p.dir)) as [number, number, number];
  const data = new Uint8ClampedArray(sizePx * sizePx * 4);
  for (let j = 0; j < sizePx; j++) {
    for (let i = 0; i < sizePx; i++) {
      const x = ((i + 0.5) / sizePx) * 2 - 1;
      const y = 1 - ((j + 0.5) / sizePx) * 2;
      const r2 = (x * x + y * y) / 0.72; // sphere radius sqrt(0.72) of the half-size
      const o = (j * sizePx + i) * 4;
      if (r2 > 1) continue; // transparent outside the sphere, as src/lighting's previews
      const nx = x / Math.sqrt(0.72), ny = y / Math.sqrt(0.72);
      const z = Math.sqrt(Math.max(0, 1 - nx * nx - ny * ny));
      const lambert = Math.max(0, nx * lx + ny * ly + z * lz);
      const rgb = p.tint.map((t) => 0.04 + 0.9 * t * lambert);
      for (let c = 0; c < 3; c++) data[o + c] = 255 * Math.pow(Math.min(1, rgb[c]!), 1 / 2.2);
      data[o + 3] = 255;
    }
  }
  return { widthPx: sizePx, heightPx: sizePx, data };
}

/**
 * `?presets=lighting` shows the real built-in presets of src/lighting (their own previews); otherwise the fixed
 * test list above, so keyboard tests do not depend on the lighting module's list.
 */
const presetItems: PresetItem[] =
  params.get('presets') === 'lighting'
    ? (await import('../../../src/ui/lighting-preset-items.js')).lightingPresetItems()
    : presetItemsFrom(TEST_PRESETS, previewOf, 152);

const STATS: RelighterStatsView = {
  mode: 'worker',
  backend: 'webgpu',
  fps: 29.7,
  stageMs: { segment: 11.8, geometry: 14.2, render: 2.1 },
  loading: { what: 'face model', fraction: 0.62 },
};

const stage = document.getElementById('stage')!;

function cell(title: string, el: HTMLElement): HTMLElement {
  const div = document.createElement('div');
  div.className = 'cell';
  const h = document.createElement('h2');
  h.textContent = title;
  div.append(h, el);
  stage.append(div);
  return el;
}

function make<K extends keyof HTMLElementTagNameMap>(tag: K, id: string, props: Partial<HTMLElementTagNameMap[K]> = {}) {
  const el = document.createElement(tag);
  el.id = id;
  el.setAttribute('theme', theme);
  Object.assign(el, props);
  return el;
}

const builders: Record<string, () => void> = {
  slider: () =>
    cell('rl-slider', make('rl-slider', 'slider', { label: 'Strength', min: 0, max: 1, step: 0.05, value: 0.5, unit: '%', displayScale: 100 })),
  toggle: () => cell('rl-toggle', make('rl-toggle', 'toggle', { label: 'Key light', checked: false })),
  background: () => cell('rl-background-mode', make('rl-background-mode', 'background', { value: 'keep' })),
  presets: () => cell('rl-preset-picker', make('rl-preset-picker', 'presets', { presets: presetItems, value: 'studio-key' })),
  pad: () => cell('rl-direction-pad', make('rl-direction-pad', 'pad', { value: { azimuthDeg: 35, elevationDeg: 25 } })),
  status: () => {
    cell('rl-status', make('rl-status', 'status', { stats: STATS }));
    cell('rl-status (fallback)', make('rl-status', 'status-fallback', {
      stats: { mode: 'main-thread', backend: 'passthrough', fps: 12.4, stageMs: {}, fallbackReason: 'WebGPU device lost: passing frames through while it restarts' },
    }));
    cell('rl-status (idle)', make('rl-status', 'status-idle'));
  },
  light: () => cell('rl-light-controls', make('rl-light-controls', 'light', { settings: resolveSettings() })),
  controls: () => {
    const settings = resolveSettings({
      keyLight: { enabled: params.get('key') !== 'off' },
      background: (params.get('bg') as 'keep' | 'dim' | 'relight' | null) ?? 'dim',
    });
    // `badpreset=1` adds a tile whose id the settings schema rejects: selecting it must not fire a patch.
    const presets = params.get('badpreset')
      ? [...presetItems, { id: 'Not A Valid Id!', label: 'Broken', description: 'An id the schema rejects' }]
      : presetItems;
    const el = make('rl-controls', 'controls', { settings, presets });
    if (params.get('stats') !== 'off') el.stats = STATS;
    stage.append(el);
  },
};

if (which === 'gallery') {
  for (const name of ['presets', 'light', 'pad', 'background', 'toggle', 'slider', 'status']) builders[name]!();
} else {
  for (const name of which.split(',')) {
    const build = builders[name];
    if (!build) throw new Error(`[UiPage] unknown element "${name}"`);
    build();
  }
}

void (async () => {
  await customElements.whenDefined('rl-controls');
  const all = [...document.querySelectorAll<HTMLElement & { updateComplete?: Promise<unknown> }>('*')];
  await Promise.all(all.map((el) => el.updateComplete));
  // Let nested elements finish their first render too.
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  document.title = 'ready';
})();

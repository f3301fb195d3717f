/**
 * The standalone demo: camera (or the bundled sample) -> relighter -> before/after split, with the Lit controls,
 * a stats line, HDR upload (drop or file picker) and snapshots. `?source=sample` forces the sample;
 * `?stage=...&geometry=...&host=...` override the pipeline (tests use them).
 */
import '../src/ui/index.js';
import { createRelighter, type Relighter } from '../src/index.js';
import { lightingPresetItems } from '../src/ui/lighting-preset-items.js';
import type { ControlsElement, StatusElement } from '../src/ui/index.js';
import { createSampleSource, type SampleSource } from './default-source.js';

const params = new URLSearchParams(location.search);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const before = $<HTMLVideoElement>('before');
const after = $<HTMLVideoElement>('after');
const viewport = $<HTMLDivElement>('viewport');
const controls = $<ControlsElement>('controls');
const status = $<StatusElement>('status');
const message = $<HTMLParagraphElement>('message');
const sourceSelect = $<HTMLSelectElement>('source');

let relighter: Relighter | null = null;
let camera: MediaStream | null = null;
let sample: SampleSource | null = null;

function say(text: string, ok = false): void {
  message.textContent = text;
  message.classList.toggle('ok', ok);
}

async function openSource(kind: string): Promise<{ stream: MediaStream; label: string }> {
  if (kind !== 'sample') {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480, frameRate: 30 }, audio: false });
      return { stream, label: 'camera' };
    } catch (e) {
      say(`No camera (${(e as Error).name}): showing the sample portrait.`, true);
    }
  }
  sample = await createSampleSource();
  return { stream: sample.stream, label: 'sample' };
}

async function start(kind: string): Promise<void> {
  await stop();
  const { stream, label } = await openSource(kind);
  camera = stream;
  before.srcObject = stream;
  relighter = await createRelighter(stream, {
    settings: controls.settings,
    stage: (params.get('stage') as 'relight' | null) ?? 'relight',
    geometry: (params.get('geometry') as 'student' | null) ?? 'student',
    host: (params.get('host') as 'auto' | null) ?? 'auto',
  });
  after.srcObject = relighter.stream;
  relighter.on('stats', (s) => (status.stats = s));
  relighter.on('progress', () => (status.stats = relighter!.stats()));
  relighter.on('fallback', (f) => say(`Showing the original video: ${f.message}`));
  relighter.on('recovered', () => say('Relighting resumed.', true));
  document.body.dataset.source = label;
  status.stats = relighter.stats();
}

async function stop(): Promise<void> {
  await relighter?.dispose();
  relighter = null;
  camera?.getTracks().forEach((t) => t.stop());
  sample?.stop();
  sample = null;
}

// Controls -> relighter (validated by the element, and again by update()).
controls.presets = lightingPresetItems();
controls.addEventListener('rl-settings-change', (e) => {
  const patch = (e as CustomEvent).detail;
  try {
    relighter?.update(patch);
    controls.settings = relighter?.settings ?? controls.settings;
  } catch (err) {
    say((err as Error).message);
  }
});

// Before/after split.
const split = $<HTMLInputElement>('split');
const setSplit = (pct: number) => {
  viewport.style.setProperty('--split', `${pct}%`);
  split.value = String(pct);
};
split.addEventListener('input', () => setSplit(Number(split.value)));
viewport.addEventListener('pointerdown', (e) => {
  const move = (ev: PointerEvent) => {
    const r = viewport.getBoundingClientRect();
    setSplit(Math.max(0, Math.min(100, ((ev.clientX - r.left) / r.width) * 100)));
  };
  move(e);
  viewport.setPointerCapture(e.pointerId);
  viewport.addEventListener('pointermove', move);
  viewport.addEventListener('pointerup', () => viewport.removeEventListener('pointermove', move), { once: true });
});

// HDR / EXR upload: drop or file picker. Bad files get the decoder's clear message; the lighting stays.
async function loadEnvironment(file: File): Promise<void> {
  if (!relighter) return;
  try {
    await relighter.setEnvironment(file, file.name);
    controls.settings = relighter.settings;
    say(`Lighting with ${file.name}.`, true);
  } catch (e) {
    say(`Could not use ${file.name}: ${(e as Error).message}`);
  }
}
viewport.addEventListener('dragover', (e) => {
  e.preventDefault();
  viewport.classList.add('dragging');
});
viewport.addEventListener('dragleave', () => viewport.classList.remove('dragging'));
viewport.addEventListener('drop', (e) => {
  e.preventDefault();
  viewport.classList.remove('dragging');
  const file = e.dataTransfer?.files[0];
  if (file) void loadEnvironment(file);
});
$<HTMLInputElement>('hdr-file').addEventListener('change', (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file) void loadEnvironment(file);
});

// Snapshot of the relit frame.
$<HTMLButtonElement>('snapshot').addEventListener('click', () => {
  const c = document.createElement('canvas');
  c.width = after.videoWidth;
  c.height = after.videoHeight;
  c.getContext('2d')!.drawImage(after, 0, 0);
  const a = document.createElement('a');
  a.download = `relight-${controls.settings.preset}-${Date.now()}.png`;
  a.href = c.toDataURL('image/png');
  a.click();
});

sourceSelect.value = params.get('source') === 'sample' ? 'sample' : 'auto';
sourceSelect.addEventListener('change', () => void start(sourceSelect.value));
addEventListener('pagehide', () => void stop());

(globalThis as unknown as { demo: unknown }).demo = { relighter: () => relighter, start, stop };
void start(sourceSelect.value).then(() => (document.body.dataset.ready = '1'), (e) => say(`Could not start: ${(e as Error).message}`));

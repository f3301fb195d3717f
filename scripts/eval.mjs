#!/usr/bin/env node
/**
 * `npm run eval -- [--data DIR] [--out DIR] [--quick]`: quality of the relighting on real data, in headless Debian
 * Chromium, with the product's own code (tests/eval/eval-page.ts). DIR defaults: ../shared/data and eval-out/.
 * Any folder with this layout works (each part is skipped, loudly, when its folder is missing):
 *   relight/extyaleb/yaleBxx/*.pgm + intrinsics/yaleb_photometric_stereo/yaleBxx_ps.npz   -> (a) Yale B relighting
 *   videos/<set>/*.mpg|mp4                                                              -> (b) flicker per preset
 *   portraits/<set>/*.jpg|png (+ optional <set>/info.csv "file,group", or the shared set's
 *   portraits/info/<set>_info.csv with face_id + face_eth)                             -> (c) skin dE2000, (d) grids
 *
 * (a) Extended Yale B: each subject's frontal photo relit to every known light (|azimuth| <= 70, elevation <= 45)
 *     with four normal maps: none (identity), the leave-one-out mean-face template, the student's (real
 *     StudentEstimator, ORT-web wasm), photometric stereo (upper bound); PAL-aligned PSNR and SSIM on the face.
 *     gap_closed = (ours - identity) / (upper - identity). Subjects the student trained on (the training manifest's
 *     split) are reported apart: the headline uses the held-out ones.
 * (b) Every clip through the real engine (MediaPipe segmentation + relight stage) with the default preset, and
 *     every preset on two clips: flicker index = mean |dI_out| / mean |dI_in| over static person pixels.
 * (c) Portraits under preset 'neutral': CIEDE2000 between input and output over the facial skin (face-oval
 *     landmarks minus eyes, brows and lips; a central box when no face is found), overall and per group.
 * (d) A before/after grid per preset on a few portraits, and an overview grid (copied to docs/images/eval-grid.png).
 *
 * --only yaleb,flicker,skin runs just those parts (skin includes the grids).
 *
 * Output: report.json, report.md (embeds the PNGs), PNGs, all in --out.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, extname, join, relative, resolve } from 'node:path';
import {
  ROOT, decodeClip, launchChromium, openPage, parseArgs, round, startServer, table, writePngDataUrl,
} from '../tests/bench/node-harness.mjs';

const opts = parseArgs(process.argv.slice(2), { data: resolve(ROOT, process.env.RELIGHT_DATA ?? '../shared/data'), out: resolve(ROOT, 'eval-out'), quick: false, only: '' });
const DATA = resolve(opts.data);
const OUT = resolve(opts.out);
const quick = opts.quick;
// --only yaleb,flicker,skin: run just those parts (skin includes the grids, which pick portraits by skin L*).
const PARTS = ['yaleb', 'flicker', 'skin'];
const only = opts.only ? opts.only.split(',').map((s) => s.trim()).filter(Boolean) : PARTS;
for (const p of only) if (!PARTS.includes(p)) throw new Error(`[eval] --only: unknown part '${p}' (parts: ${PARTS.join(', ')})`);
const want = (part) => only.includes(part);
mkdirSync(OUT, { recursive: true });
const WORK = join(OUT, 'work');
mkdirSync(WORK, { recursive: true });
const T0 = Date.now();
const log = (s) => console.log(`[eval +${((Date.now() - T0) / 1000).toFixed(0)}s] ${s}`);
const has = (rel) => existsSync(join(DATA, rel));

// Budgets (the whole run stays under ~10 minutes on the 2-core machine; --quick under ~3).
const B = quick
  ? { yaleImages: 8, clipFrames: 20, presetClips: 1, presetFrames: 14, portraitsPerSet: 4, labelledMax: 24, gridPortraits: 3, maxSide: 512 }
  : { yaleImages: 64, clipFrames: 50, presetClips: 2, presetFrames: 30, portraitsPerSet: 8, labelledMax: 200, gridPortraits: 4, maxSide: 768 };

const report = {
  data: DATA, quick, budgets: B, machine: { loadavgStart: loadavg().map((v) => round(v, 2)) }, notes: [],
  yaleb: null, flicker: null, skin_de2000: null, figures: {},
};
const note = (s) => { report.notes.push(s); console.warn(`[eval] ${s}`); };

// ------------------------------------------------------------------------------------------------------------
// Inputs from the data folder

/** Subjects the student was trained on, from the training manifest (Yale B split), if there is one. */
function yaleSplit() {
  const p = resolve(ROOT, 'models/training/data_manifest.json');
  if (!existsSync(p)) return { train: [], heldOut: [] };
  const m = JSON.parse(readFileSync(p, 'utf8'));
  const ps = (m.files ?? []).filter((f) => f.role === 'yale_ps');
  return {
    train: ps.filter((f) => f.split !== 'eval').map((f) => f.subject),
    heldOut: m.selection?.yale_eval_subjects ?? ps.filter((f) => f.split === 'eval').map((f) => f.subject),
  };
}

function listClips() {
  const root = join(DATA, 'videos');
  if (!existsSync(root)) return [];
  const out = [];
  for (const set of readdirSync(root).sort()) {
    const dir = join(root, set);
    try {
      for (const f of readdirSync(dir).sort()) if (/\.(mpg|mpeg|mp4)$/i.test(f)) out.push({ name: `${set}/${f}`, path: join(dir, f) });
    } catch { /* not a folder */ }
  }
  return out;
}

function parseCsv(text) {
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  const head = lines[0].split(',').map((s) => s.trim());
  return lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [head[i], v.trim()])));
}

/**
 * Group labels for one portrait set: <set>/info.csv (columns file, group); else the CSV under portraits/info/
 * whose ids match most of the set's files (the shared data names its London-set table london_info.csv while the
 * photos sit in neutral_front/ and smiling_front/, ids = the file name before '_'), with its group column
 * (group, or the self-reported ethnicity face_eth). Multi-group answers ("east_asian/white") form 'mixed'.
 */
function groupsFor(set, files) {
  const own = join(DATA, 'portraits', set, 'info.csv');
  const map = new Map();
  if (existsSync(own)) {
    for (const r of parseCsv(readFileSync(own, 'utf8'))) if (r.file && r.group) map.set(r.file, r.group);
    return { map, source: relative(DATA, own) };
  }
  const infoDir = join(DATA, 'portraits', 'info');
  if (!existsSync(infoDir)) return { map, source: null };
  const idOf = (f) => basename(f, extname(f)).split('_')[0];
  let best = null;
  for (const csv of readdirSync(infoDir).filter((f) => f.endsWith('.csv')).sort()) {
    const rows = parseCsv(readFileSync(join(infoDir, csv), 'utf8'));
    if (!rows.length) continue;
    const col = ['group', 'face_eth', 'ethnicity', 'eth'].find((c) => c in rows[0]);
    const idCol = ['file', 'face_id', 'id'].find((c) => c in rows[0]);
    if (!col || !idCol) continue;
    const byId = new Map(rows.map((r) => [String(r[idCol]), r[col]]));
    const hits = files.filter((f) => byId.has(idOf(f)) || byId.has(f)).length;
    if (hits >= files.length / 2 && (!best || hits > best.hits)) best = { csv, byId, hits, col };
  }
  if (!best) return { map, source: null };
  for (const f of files) {
    let g = best.byId.get(idOf(f)) ?? best.byId.get(f);
    if (!g) continue;
    if (g.includes('/')) g = 'mixed';
    map.set(f, g);
  }
  return { map, source: `portraits/info/${best.csv} (${best.col})` };
}

function evenly(xs, n) {
  if (xs.length <= n) return xs;
  return Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)]);
}

function listPortraits() {
  const root = join(DATA, 'portraits');
  if (!existsSync(root)) return { items: [], sets: {} };
  const items = [];
  const sets = {};
  for (const set of readdirSync(root).sort()) {
    const dir = join(root, set);
    let files;
    try { files = readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort(); } catch { continue; }
    if (!files.length) continue;
    const { map, source } = groupsFor(set, files);
    const labelled = files.filter((f) => map.has(f));
    // Labelled sets are used whole (the small groups need every face); others are subsampled evenly.
    const chosen = labelled.length ? evenly(labelled, B.labelledMax) : evenly(files, B.portraitsPerSet);
    sets[set] = { files: files.length, used: chosen.length, groups: source };
    for (const f of chosen) items.push({ name: `${set}/${f}`, url: `/__data/portraits/${set}/${f}`, group: map.get(f) ?? 'unlabelled' });
  }
  return { items, sets };
}

// ------------------------------------------------------------------------------------------------------------

const server = await startServer({ dataDir: DATA });
const browser = await launchChromium();
let page;
try {
  page = await openPage(browser, server.url, '/tests/eval/eval.html');
  const presets = await page.evaluate(() => globalThis.evaluation.presets());
  const selfTest = await page.evaluate(() => globalThis.evaluation.selfTest());
  if (selfTest.length) throw new Error(`[eval] the measurement code failed its self-test: ${selfTest.join('; ')}`);
  const png = async (name, dataUrl) => { writePngDataUrl(dataUrl, join(OUT, name)); report.figures[name.replace(/\.png$/, '')] = name; return name; };

  // ---- (a) Yale B
  if (!want('yaleb')) {
    note('Yale B not run (--only)');
  } else if (has('relight/extyaleb') && has('intrinsics/yaleb_photometric_stereo')) {
    const split = yaleSplit();
    log(`Yale B (held out from training: ${split.heldOut.join(', ') || 'unknown'})`);
    const r = await page.evaluate(([a, b, o]) => globalThis.evaluation.yaleb(a, b, o),
      ['relight/extyaleb', 'intrinsics/yaleb_photometric_stereo', { heldOut: split.heldOut, maxImagesPerSubject: B.yaleImages }]);
    const summarise = (subs) => {
      if (!subs.length) return null;
      const m = (metric, k) => subs.reduce((s, x) => s + x[metric][k], 0) / subs.length;
      const out = { subjects: subs.map((s) => s.id), images: subs.reduce((s, x) => s + x.images, 0) };
      for (const k of ['identity', 'template', 'ours', 'upper']) { out[`psnr_${k}`] = m('psnr', k); out[`ssim_${k}`] = m('ssim', k); }
      out.gap_closed = (out.psnr_ours - out.psnr_identity) / (out.psnr_upper - out.psnr_identity);
      out.gap_closed_template = (out.psnr_template - out.psnr_identity) / (out.psnr_upper - out.psnr_identity);
      out.gap_closed_ssim = (out.ssim_ours - out.ssim_identity) / (out.ssim_upper - out.ssim_identity);
      out.ours_beats_template_subjects = subs.filter((s) => s.psnr.ours > s.psnr.template).length;
      return out;
    };
    const held = r.subjects.filter((s) => s.heldOut), seen = r.subjects.filter((s) => !s.heldOut);
    const headline = held.length ? summarise(held) : summarise(r.subjects);
    if (!held.length) note('Yale B: no subject of this folder is marked held-out in the training manifest; the headline averages all subjects (the student may have seen them)');
    report.yaleb = {
      ...headline,
      headline_set: held.length ? 'held out from student training (models/training/data_manifest.json)' : 'all subjects',
      all: summarise(r.subjects), seen_in_training: summarise(seen), per_subject: r.subjects,
      lights: `|azimuth| <= 70, elevation <= 45, up to ${B.yaleImages} per subject`, student_inference_ms: r.studentInferenceMs,
      seconds: r.seconds,
    };
    await png('eval-yaleb-examples.png', r.figures.examples);
    await png('eval-yaleb-normals.png', r.figures.normals);
    await png('eval-yaleb.png', await page.evaluate((spec) => globalThis.evaluation.barChart(spec), {
      title: 'Yale B: PAL-aligned PSNR on the face, frontal photo relit to each known light (mean per subject)',
      categories: r.subjects.map((s) => `${s.id.replace('yaleB', 'B')}${s.heldOut ? '*' : ''}`), yLabel: 'dB', decimals: 0, widthPx: 1200,
      series: ['identity', 'template', 'ours', 'upper'].map((k) => ({ label: k === 'ours' ? 'ours (student)' : k === 'upper' ? 'PS normals (upper)' : k, values: r.subjects.map((s) => s.psnr[k]) })),
    }));
    // Per-light view: PSNR against azimuth, held-out subjects (or all).
    const pool = r.scores.filter((s) => !held.length || split.heldOut.includes(s.subject));
    const az = [...new Set(pool.map((s) => s.azimuthDeg))].sort((a, b) => a - b);
    await png('eval-yaleb-azimuth.png', await page.evaluate((spec) => globalThis.evaluation.lineChart(spec), {
      title: `Yale B: PSNR vs light azimuth (${held.length ? 'held-out subjects' : 'all subjects'}, mean over elevations)`,
      xLabel: 'azimuth (deg)', yLabel: 'dB', yMin: 0,
      series: ['identity', 'template', 'ours', 'upper'].map((k) => ({
        label: k, points: az.map((a) => { const xs = pool.filter((s) => s.azimuthDeg === a).map((s) => s.psnr[k]); return [a, xs.reduce((p, q) => p + q, 0) / xs.length]; }),
      })),
    }));
    log(`Yale B done in ${round(r.seconds, 0)} s: gap closed ${round(report.yaleb.gap_closed, 3)}`);
  } else {
    note(`Yale B skipped: ${join(DATA, 'relight/extyaleb')} or ${join(DATA, 'intrinsics/yaleb_photometric_stereo')} missing`);
  }

  // ---- (b) Flicker
  const clips = listClips();
  if (!want('flicker')) {
    note('flicker not run (--only)');
  } else if (clips.length) {
    const specs = clips.map((c, i) => {
      const d = decodeClip(c.path, join(WORK, `clip-${i}.rgba`), { frames: B.clipFrames, pixFmt: 'rgba' });
      return { name: c.name, url: server.serveFile(`clip-${i}.rgba`, d.path), widthPx: d.widthPx, heightPx: d.heightPx, frames: d.frames, fps: d.fps };
    });
    const defaultPreset = presets.includes('studio-key') ? 'studio-key' : presets[0];
    const runs = [
      ...specs.map((clip) => ({ clip, preset: defaultPreset, frames: B.clipFrames })),
      ...presets.filter((p) => p !== defaultPreset).flatMap((preset) => specs.slice(0, B.presetClips).map((clip) => ({ clip, preset, frames: B.presetFrames }))),
    ];
    log(`flicker: ${specs.length} clips, ${runs.length} runs (${presets.length} presets)`);
    const r = await page.evaluate((x) => globalThis.evaluation.flicker(x), runs);
    const byPreset = {};
    for (const p of presets) {
      const xs = r.runs.filter((x) => x.preset === p);
      if (xs.length) byPreset[p] = { index: xs.reduce((s, x) => s + x.index, 0) / xs.length, gain_normalised: xs.reduce((s, x) => s + x.gainNormalisedIndex, 0) / xs.length, runs: xs.length };
    }
    const byClip = {};
    for (const c of specs) {
      const x = r.runs.find((y) => y.clip === c.name && y.preset === defaultPreset);
      if (x) byClip[c.name] = { index: x.index, gain_normalised: x.gainNormalisedIndex, static_pixels: x.staticPixels, frames: x.frames };
    }
    const idx = r.runs.map((x) => x.index), gn = r.runs.map((x) => x.gainNormalisedIndex);
    const worst = r.runs.reduce((a, b) => (b.index > a.index ? b : a));
    const worstGn = r.runs.reduce((a, b) => (b.gainNormalisedIndex > a.gainNormalisedIndex ? b : a));
    report.flicker = {
      mean: idx.reduce((a, b) => a + b, 0) / idx.length, worst: worst.index, worst_run: `${worst.clip} / ${worst.preset}`,
      gain_normalised_mean: gn.reduce((a, b) => a + b, 0) / gn.length, gain_normalised_worst: worstGn.gainNormalisedIndex,
      gain_normalised_worst_run: `${worstGn.clip} / ${worstGn.preset}`,
      definition: 'mean |dY_out| / mean |dY_in| over person pixels (own MediaPipe mask >= 0.5 in both frames) whose input luma changed <= 4/255, luma 8..247, first 3 frames skipped; gain_normalised divides by the relighting gain (out/in) per pixel',
      default_preset: defaultPreset, by_preset: byPreset, by_clip: byClip, engine: r.engine, seconds: r.seconds,
      frames: `default preset: ${B.clipFrames} frames of every clip; other presets: ${B.presetFrames} frames of ${B.presetClips} clip(s)`,
    };
    await png('eval-flicker.png', await page.evaluate((spec) => globalThis.evaluation.barChart(spec), {
      title: 'Flicker index per preset (1 = as stable as the camera; gain-normalised removes the brightening)', yLabel: 'index', decimals: 2, widthPx: 1200,
      categories: Object.keys(byPreset).map((p) => p.replace(/-/g, '-\n')),
      series: [{ label: 'mean |dI_out| / mean |dI_in|', values: Object.values(byPreset).map((v) => v.index) },
        { label: 'gain-normalised', values: Object.values(byPreset).map((v) => v.gain_normalised) }],
      refLines: [{ value: 1, label: 'camera' }],
    }));
    log(`flicker done in ${round(r.seconds, 0)} s: mean ${round(report.flicker.mean, 3)}, worst ${round(report.flicker.worst, 3)}`);
  } else {
    note(`flicker skipped: no clips under ${join(DATA, 'videos')}`);
  }

  // ---- (c) Skin tone under 'neutral', (d) grids
  const { items, sets } = listPortraits();
  if (!want('skin')) {
    note('skin tone and grids not run (--only)');
  } else if (items.length) {
    const preset = presets.includes('neutral') ? 'neutral' : presets[0];
    log(`skin dE2000: ${items.length} portraits (${Object.entries(sets).map(([k, v]) => `${k} ${v.used}/${v.files}`).join(', ')}), preset ${preset}`);
    const r = await page.evaluate(([x, p, m]) => globalThis.evaluation.skin(x, p, m), [items, preset, B.maxSide]);
    const groups = {};
    for (const x of r.results) (groups[x.group] ??= []).push(x);
    const avg = (xs, k) => xs.reduce((s, x) => s + x[k], 0) / xs.length;
    const stats = (xs) => ({ n: xs.length, mean: avg(xs, 'meanDe2000'), mean_colour: avg(xs, 'meanColourDe2000'),
      hue_chroma: avg(xs, 'hueChromaDe2000'), delta_L: avg(xs, 'deltaL'), linear_gain: avg(xs, 'linearGain'), L_in: xs.reduce((s, x) => s + x.labIn[0], 0) / xs.length,
      max: Math.max(...xs.map((x) => x.meanDe2000)) });
    report.skin_de2000 = {
      preset, ...stats(r.results),
      // by_group: mean per-pixel dE2000 per group (the headline); by_group_stats: the rest of the numbers.
      by_group: Object.fromEntries(Object.entries(groups).sort().map(([g, xs]) => [g, stats(xs).mean])),
      by_group_stats: Object.fromEntries(Object.entries(groups).sort().map(([g, xs]) => [g, stats(xs)])),
      by_set: Object.fromEntries(Object.keys(sets).map((s) => [s, stats(r.results.filter((x) => x.name.startsWith(`${s}/`)))]).filter(([, v]) => v.n)),
      region: `face-oval landmarks minus eyes/brows/lips, in the person mask (${r.results.filter((x) => x.region === 'landmarks').length} portraits); central box fallback (${r.results.filter((x) => x.region === 'central-box').length})`,
      sets, engine: r.engine, seconds: r.seconds,
      per_portrait: r.results.map((x) => ({ name: x.name, group: x.group, de2000: x.meanDe2000, de2000_mean_colour: x.meanColourDe2000,
        de2000_hue_chroma: x.hueChromaDe2000, delta_L: x.deltaL, linear_gain: x.linearGain, region: x.region, pixels: x.pixels, lab_in: x.labIn, lab_out: x.labOut })),
    };
    const gk = Object.keys(report.skin_de2000.by_group_stats);
    await png('eval-skin.png', await page.evaluate((spec) => globalThis.evaluation.barChart(spec), {
      title: `Skin CIEDE2000 input vs output, preset "${preset}" (per group; n in labels)`, yLabel: 'dE2000', decimals: 2,
      categories: gk.map((g) => `${g}\nn=${report.skin_de2000.by_group_stats[g].n}`),
      series: [{ label: 'mean per-pixel dE2000', values: gk.map((g) => report.skin_de2000.by_group_stats[g].mean) },
        { label: 'dE2000 of the mean skin colour', values: gk.map((g) => report.skin_de2000.by_group_stats[g].mean_colour) },
        { label: 'hue + chroma only (L* equalised)', values: gk.map((g) => report.skin_de2000.by_group_stats[g].hue_chroma) },
        { label: 'delta L*', values: gk.map((g) => report.skin_de2000.by_group_stats[g].delta_L) }],
    }));
    log(`skin done in ${round(r.seconds, 0)} s: mean dE2000 ${round(report.skin_de2000.mean, 2)}`);

    // Grid portraits: the darkest, a middle and the lightest skin (by the input's skin L*), so the grids show what
    // the relighting does across skin tones, then a real webcam capture when there is one.
    const byL = [...r.results].sort((a, b) => a.labIn[0] - b.labIn[0]);
    const webcam = items.find((i) => /zoom|webcam/i.test(i.name));
    const wantN = webcam ? B.gridPortraits - 1 : B.gridPortraits;
    const picks = Array.from({ length: wantN }, (_, k) => byL[Math.round((k * (byL.length - 1)) / Math.max(1, wantN - 1))]);
    const gridItems = [...new Set(picks.map((x) => x.name))].map((n) => items.find((i) => i.name === n));
    if (webcam && !gridItems.includes(webcam)) gridItems.push(webcam);
    const overview = ['studio-key', 'soft-window', 'neutral', 'warm-sunset', 'dramatic-side', 'rim-light'].filter((p) => presets.includes(p));
    log(`grids: ${gridItems.map((i) => i.name).join(', ')} x ${presets.length} presets`);
    const g = await page.evaluate(([x, p, o, m]) => globalThis.evaluation.grids(x, p, o, m, 220), [gridItems, presets, overview, B.maxSide]);
    for (const [p, d] of Object.entries(g.perPreset)) await png(`eval-grid-${p}.png`, d);
    await png('eval-grid.png', g.overview);
    // The README's picture comes from full runs into the default folder only (a --quick grid has fewer, smaller portraits).
    if (!quick && OUT === resolve(ROOT, 'eval-out')) {
      mkdirSync(resolve(ROOT, 'docs/images'), { recursive: true });
      copyFileSync(join(OUT, 'eval-grid.png'), resolve(ROOT, 'docs/images/eval-grid.png'));
    }
    report.grids = { portraits: gridItems.map((i) => i.name), presets, overview, seconds: g.seconds };
  } else {
    note(`skin tone and grids skipped: no portraits under ${join(DATA, 'portraits')}`);
  }
  await page.evaluate(() => globalThis.evaluation.dispose());
} finally {
  await browser.close();
  await server.close();
}

report.machine.loadavgEnd = loadavg().map((v) => round(v, 2));
report.seconds = (Date.now() - T0) / 1000;
writeFileSync(join(OUT, 'report.json'), JSON.stringify(report, null, 2));

// ------------------------------------------------------------------------------------------------------------
// report.md

const f2 = (v) => round(v, 2);
const md = [];
md.push('# Relighting evaluation', '', `Data: \`${DATA}\`${quick ? ' (quick run)' : ''}. Generated by \`npm run eval\` in ${round(report.seconds, 0)} s on headless Chromium (CPU renderer, ORT-web wasm single thread).`, '');
const Y = report.yaleb;
if (Y) {
  md.push('## (a) Extended Yale B relighting', '',
    `Frontal photo of each subject relit to each known light (${Y.lights}); PAL-aligned PSNR (dB) and SSIM over the face region. ` +
    `Headline set: ${Y.headline_set} (${Y.subjects.join(', ')}; ${Y.images} relit photos).`, '',
    table(['set', 'subjects', 'PSNR identity', 'template', 'ours', 'upper (PS)', 'gap closed', 'SSIM identity', 'template', 'ours', 'upper'],
      [['headline', Y.subjects.length, ...['identity', 'template', 'ours', 'upper'].map((k) => f2(Y[`psnr_${k}`])), f2(Y.gap_closed), ...['identity', 'template', 'ours', 'upper'].map((k) => round(Y[`ssim_${k}`], 3))],
        ...[['all', Y.all], ['seen in training', Y.seen_in_training]].filter(([, s]) => s).map(([n, s]) => [n, s.subjects.length,
          ...['identity', 'template', 'ours', 'upper'].map((k) => f2(s[`psnr_${k}`])), f2(s.gap_closed), ...['identity', 'template', 'ours', 'upper'].map((k) => round(s[`ssim_${k}`], 3))])]),
    '', `Template gap closed: ${f2(Y.gap_closed_template)}; ours beats the template on ${Y.ours_beats_template_subjects}/${Y.subjects.length} headline subjects. Student inference ${f2(Y.student_inference_ms)} ms per image.`, '',
    '![Yale B per subject](eval-yaleb.png)', '', '![Yale B vs azimuth](eval-yaleb-azimuth.png)', '', '![Yale B examples](eval-yaleb-examples.png)', '', '![Normals](eval-yaleb-normals.png)', '');
}
const F = report.flicker;
if (F) {
  md.push('## (b) Temporal stability', '', `Flicker index = ${F.definition}. ${F.frames}. Engine: ${F.engine}.`, '',
    `Mean ${f2(F.mean)}, worst ${f2(F.worst)} (${F.worst_run}); gain-normalised mean ${f2(F.gain_normalised_mean)}, worst ${f2(F.gain_normalised_worst)} (${F.gain_normalised_worst_run}).`, '',
    table(['preset', 'flicker index', 'gain-normalised', 'runs'], Object.entries(F.by_preset).map(([p, v]) => [p, f2(v.index), f2(v.gain_normalised), v.runs])), '',
    table([`clip (${F.default_preset})`, 'flicker index', 'gain-normalised', 'static px', 'frames'], Object.entries(F.by_clip).map(([c, v]) => [c, f2(v.index), f2(v.gain_normalised), v.static_pixels, v.frames])), '',
    'Reading it: 1 = the output changes as much as the camera frame over static skin. A preset that brightens the face scales the ' +
    'frame-to-frame noise with it, so the plain index rises with the gain; the gain-normalised index removes that. Both are ' +
    'measured on 8-bit frames, whose rounding of 1-4 level changes biases them by a few per cent.', '',
    '![Flicker](eval-flicker.png)', '');
}
const S = report.skin_de2000;
if (S) {
  md.push('## (c) Skin-tone preservation', '', `Preset \`${S.preset}\`, default settings. Region: ${S.region}. Portraits used: ${Object.entries(S.sets).map(([k, v]) => `${k} ${v.used}/${v.files}${v.groups ? ` (groups: ${v.groups})` : ''}`).join(', ')}.`, '',
    table(['group', 'n', 'mean dE2000 (per pixel)', 'dE2000 of mean colour', 'hue+chroma dE2000', 'L* in', 'delta L*', 'linear gain', 'max'],
      [['all', S.n, f2(S.mean), f2(S.mean_colour), f2(S.hue_chroma), f2(S.L_in), f2(S.delta_L), f2(S.linear_gain), f2(S.max)],
        ...Object.entries(S.by_group_stats).map(([g, v]) => [g, v.n, f2(v.mean), f2(v.mean_colour), f2(v.hue_chroma), f2(v.L_in), f2(v.delta_L), f2(v.linear_gain), f2(v.max)])]), '',
    'Reading it: per-pixel dE2000 mixes a change of exposure (delta L*, linear gain) with a change of tone; the hue+chroma column ' +
    'sets the output\'s mean L* to the input\'s and isolates the tone shift (about 1-2 is at the threshold of visibility).', '',
    '![Skin dE2000](eval-skin.png)', '');
}
if (report.grids) {
  md.push('## (d) Before / after', '', `Portraits: ${report.grids.portraits.join(', ')}.`, '', '![Overview](eval-grid.png)', '');
  for (const p of report.grids.presets) md.push(`![${p}](eval-grid-${p}.png)`, '');
}
if (report.notes.length) md.push('## Notes', '', ...report.notes.map((n) => `- ${n}`), '');
md.push('## Subsampling', '', `Budgets (${quick ? 'quick' : 'full'}): ${JSON.stringify(B)}. Yale B lights are subsampled evenly when a subject has more than \`yaleImages\`; ` +
  'labelled portrait sets are used whole up to `labelledMax`, other sets evenly subsampled to `portraitsPerSet`; clips are decoded to their first `clipFrames` frames.', '');
writeFileSync(join(OUT, 'report.md'), md.join('\n'));

console.log('\n## Eval summary\n');
console.log(table(['metric', 'value'], [
  ['yaleb subjects (headline)', Y ? `${Y.subjects.length} (${Y.headline_set})` : '-'],
  ['yaleb PSNR identity / template / ours / upper', Y ? ['identity', 'template', 'ours', 'upper'].map((k) => f2(Y[`psnr_${k}`])).join(' / ') : '-'],
  ['yaleb SSIM identity / template / ours / upper', Y ? ['identity', 'template', 'ours', 'upper'].map((k) => round(Y[`ssim_${k}`], 3)).join(' / ') : '-'],
  ['yaleb gap_closed (ours; template)', Y ? `${f2(Y.gap_closed)}; ${f2(Y.gap_closed_template)}` : '-'],
  ['yaleb gap_closed, all subjects', Y?.all ? f2(Y.all.gap_closed) : '-'],
  ['flicker mean / worst', F ? `${f2(F.mean)} / ${f2(F.worst)} (${F.worst_run})` : '-'],
  ['flicker gain-normalised mean / worst', F ? `${f2(F.gain_normalised_mean)} / ${f2(F.gain_normalised_worst)}` : '-'],
  ['skin dE2000 mean (neutral)', S ? `${f2(S.mean)} (mean colour ${f2(S.mean_colour)})` : '-'],
  ['skin dE2000 by group', S ? Object.entries(S.by_group_stats).map(([g, v]) => `${g} ${f2(v.mean)} (n=${v.n})`).join(', ') : '-'],
]));
for (const n of report.notes) console.log(`note: ${n}`);
console.log(`wrote ${join(OUT, 'report.json')}, ${join(OUT, 'report.md')} and ${Object.keys(report.figures).length} PNGs in ${round(report.seconds, 0)} s`);

import { readFileSync, writeSync } from 'node:fs';
import { EXRLoader } from 'three/examples/jsm/loaders/EXRLoader.js';
import { FloatType } from 'three';
const b = readFileSync('/work/shared/data/hdri/pmndrs_assets_exr/city.exr');
const [at, n] = process.argv.slice(2).map(Number);
const c = new Uint8Array(b); const o = Math.floor(c.length * at);
let seed = 7; for (let i = 0; i < n; i++) { seed = (seed * 1103515245 + 12345) >>> 0; c[o + i] = seed >>> 24; }
const t0 = performance.now();
try { const r = new EXRLoader().setDataType(FloatType).parse(c.buffer); let mx=0, nan=0; for (const v of r.data) { if (!Number.isFinite(v)) nan++; else mx=Math.max(mx,Math.abs(v)); } writeSync(1, `${at} ${n} OK max ${mx} nan ${nan} ${(performance.now()-t0).toFixed(0)}ms\n`); } catch (e) { writeSync(1, `${at} ${n} ERR ${e.message} ${(performance.now()-t0).toFixed(0)}ms\n`); }

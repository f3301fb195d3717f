/**
 * Small canvas charts and image grids for `npm run bench` and `npm run eval`, drawn in the page (Chromium has
 * the fonts) and returned as PNG data URLs that the Node script writes to disk. No dependencies.
 */

export interface BarSeries {
  label: string;
  values: (number | null)[];
}

export interface BarChartSpec {
  title: string;
  /** Category labels along x. */
  categories: string[];
  series: BarSeries[];
  yLabel: string;
  /** Draw the value above each bar with this many decimals (default 1). */
  decimals?: number;
  widthPx?: number;
  heightPx?: number;
  /** Horizontal reference lines (e.g. a frame budget). */
  refLines?: { value: number; label: string }[];
  logY?: boolean;
}

export interface LineSeries {
  label: string;
  points: [number, number][];
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  widthPx?: number;
  heightPx?: number;
  yMin?: number;
}

const PALETTE = ['#3b6fb6', '#e07b39', '#4c9a52', '#b8453e', '#7d5ba6', '#8c6d31', '#d45d9e', '#6b6b6b'];

function canvas(w: number, h: number): [OffscreenCanvas, OffscreenCanvasRenderingContext2D] {
  const c = new OffscreenCanvas(w, h);
  const ctx = c.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  return [c, ctx];
}

export async function toDataUrl(c: OffscreenCanvas): Promise<string> {
  const blob = await c.convertToBlob({ type: 'image/png' });
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:image/png;base64,${btoa(s)}`;
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function legend(ctx: OffscreenCanvasRenderingContext2D, labels: string[], x: number, y: number): void {
  ctx.font = '13px sans-serif';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  let cx = x;
  labels.forEach((l, i) => {
    ctx.fillStyle = PALETTE[i % PALETTE.length]!;
    ctx.fillRect(cx, y - 6, 12, 12);
    ctx.fillStyle = '#222';
    ctx.fillText(l, cx + 16, y);
    cx += 16 + ctx.measureText(l).width + 18;
  });
}

export async function barChart(spec: BarChartSpec): Promise<string> {
  const W = spec.widthPx ?? 960, H = spec.heightPx ?? 480;
  const [c, ctx] = canvas(W, H);
  const L = 70, R = 20, T = 64, B = 70;
  const all = spec.series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const refMax = Math.max(0, ...(spec.refLines ?? []).map((r) => r.value));
  const log = spec.logY === true;
  const minPos = Math.max(1e-3, Math.min(...all.filter((v) => v > 0), 1));
  const lo = log ? 10 ** Math.floor(Math.log10(minPos)) : 0;
  const hi = log ? 10 ** Math.ceil(Math.log10(Math.max(...all, refMax, lo * 10))) : niceMax(Math.max(...all, refMax) * 1.1);
  const y = (v: number) => {
    const f = log ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : v / hi;
    return T + (H - T - B) * (1 - f);
  };
  ctx.fillStyle = '#111';
  ctx.font = 'bold 16px sans-serif';
  ctx.textAlign = 'left';
  ctx.fillText(spec.title, L, 24);
  legend(ctx, spec.series.map((s) => s.label), L, 46);
  // Axes and grid.
  ctx.strokeStyle = '#ccc';
  ctx.fillStyle = '#444';
  ctx.font = '12px sans-serif';
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const ticks = log
    ? Array.from({ length: Math.round(Math.log10(hi / lo)) + 1 }, (_, i) => lo * 10 ** i)
    : Array.from({ length: 6 }, (_, i) => (hi * i) / 5);
  for (const t of ticks) {
    ctx.beginPath();
    ctx.moveTo(L, y(t));
    ctx.lineTo(W - R, y(t));
    ctx.stroke();
    ctx.fillText(String(Math.round(t * 100) / 100), L - 6, y(t));
  }
  ctx.save();
  ctx.translate(16, (T + H - B) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText(spec.yLabel, 0, 0);
  ctx.restore();
  const nC = spec.categories.length, nS = spec.series.length;
  const groupW = (W - L - R) / Math.max(1, nC);
  const barW = Math.min(48, (groupW * 0.8) / Math.max(1, nS));
  const dec = spec.decimals ?? 1;
  spec.categories.forEach((cat, ci) => {
    const gx = L + ci * groupW + (groupW - barW * nS) / 2;
    spec.series.forEach((s, si) => {
      const v = s.values[ci];
      if (v === null || v === undefined || !Number.isFinite(v)) return;
      const x = gx + si * barW;
      ctx.fillStyle = PALETTE[si % PALETTE.length]!;
      ctx.fillRect(x + 1, y(v), barW - 2, H - B - y(v));
      ctx.fillStyle = '#222';
      ctx.font = '11px sans-serif';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.fillText(v.toFixed(dec), x + barW / 2, y(v) - 2);
    });
    ctx.fillStyle = '#222';
    ctx.font = '12px sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const words = cat.split('\n');
    words.forEach((w, wi) => ctx.fillText(w, L + ci * groupW + groupW / 2, H - B + 6 + wi * 14));
  });
  for (const r of spec.refLines ?? []) {
    ctx.strokeStyle = '#b8453e';
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    ctx.moveTo(L, y(r.value));
    ctx.lineTo(W - R, y(r.value));
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#b8453e';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'bottom';
    ctx.fillText(r.label, L + 4, y(r.value) - 2);
  }
  return toDataUrl(c);
}

export async function lineChart(spec: LineChartSpec): Promise<string> {
  const W = spec.widthPx ?? 960, H = spec.heightPx ?? 420;
  const [c, ctx] = canvas(W, H);
  const L = 80, R = 20, T = 64, B = 50;
  const xs = spec.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = spec.series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1);
  const y0 = spec.yMin ?? 0, y1 = niceMax(Math.max(...ys, y0 + 1e-9) * 1.1);
  const px = (v: number) => L + ((v - x0) / (x1 - x0)) * (W - L - R);
  const py = (v: number) => T + (1 - (v - y0) / (y1 - y0)) * (H - T - B);
  ctx.fillStyle = '#111';
  ctx.font = 'bold 16px sans-serif';
  ctx.fillText(spec.title, L, 24);
  legend(ctx, spec.series.map((s) => s.label), L, 46);
  ctx.strokeStyle = '#ccc';
  ctx.fillStyle = '#444';
  ctx.font = '12px sans-serif';
  for (let i = 0; i <= 5; i++) {
    const v = y0 + ((y1 - y0) * i) / 5;
    ctx.beginPath();
    ctx.moveTo(L, py(v));
    ctx.lineTo(W - R, py(v));
    ctx.stroke();
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillText(String(Math.round(v * 100) / 100), L - 6, py(v));
  }
  for (let i = 0; i <= 5; i++) {
    const v = x0 + ((x1 - x0) * i) / 5;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText(String(Math.round(v)), px(v), H - B + 6);
  }
  ctx.fillText(spec.xLabel, (L + W - R) / 2, H - 20);
  ctx.save();
  ctx.translate(16, (T + H - B) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText(spec.yLabel, 0, 0);
  ctx.restore();
  spec.series.forEach((s, si) => {
    ctx.strokeStyle = PALETTE[si % PALETTE.length]!;
    ctx.fillStyle = PALETTE[si % PALETTE.length]!;
    ctx.lineWidth = 2;
    ctx.beginPath();
    s.points.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(px(x), py(y)) : ctx.lineTo(px(x), py(y))));
    ctx.stroke();
    for (const [x, y] of s.points) ctx.fillRect(px(x) - 2, py(y) - 2, 4, 4);
  });
  return toDataUrl(c);
}

export interface GridCell {
  /** RGBA8 pixels. */
  rgba: Uint8ClampedArray;
  widthPx: number;
  heightPx: number;
  caption?: string;
}

/**
 * Rows x columns of images, each scaled to `cellPx` (long side), with column headers and per-cell captions.
 */
export async function imageGrid(rows: GridCell[][], columnTitles: string[], title: string, cellPx = 220): Promise<string> {
  const cols = Math.max(...rows.map((r) => r.length), columnTitles.length);
  const head = 56, cap = 18, pad = 6;
  const probe = new OffscreenCanvas(1, 1).getContext('2d')!;
  probe.font = 'bold 15px sans-serif';
  const W = Math.max(cols * (cellPx + pad) + pad, Math.ceil(probe.measureText(title).width) + 2 * pad);
  const H = head + rows.length * (cellPx + cap + pad) + pad;
  const [c, ctx] = canvas(W, H);
  ctx.fillStyle = '#111';
  ctx.font = 'bold 15px sans-serif';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(title, pad, 8);
  ctx.font = '13px sans-serif';
  ctx.textAlign = 'center';
  columnTitles.forEach((t, i) => ctx.fillText(t, pad + i * (cellPx + pad) + cellPx / 2, 34));
  for (let r = 0; r < rows.length; r++) {
    for (let k = 0; k < rows[r]!.length; k++) {
      const cell = rows[r]![k]!;
      const img = new OffscreenCanvas(cell.widthPx, cell.heightPx);
      img.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(cell.rgba), cell.widthPx, cell.heightPx), 0, 0);
      const s = cellPx / Math.max(cell.widthPx, cell.heightPx);
      const w = cell.widthPx * s, h = cell.heightPx * s;
      const x = pad + k * (cellPx + pad), y = head + r * (cellPx + cap + pad);
      ctx.drawImage(img, x + (cellPx - w) / 2, y + (cellPx - h) / 2, w, h);
      if (cell.caption) {
        ctx.fillStyle = '#222';
        ctx.font = '12px sans-serif';
        ctx.textAlign = 'center';
        ctx.textBaseline = 'top';
        ctx.fillText(cell.caption, x + cellPx / 2, y + cellPx + 2);
      }
    }
  }
  return toDataUrl(c);
}

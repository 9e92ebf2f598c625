/**
 * A small line chart as a standalone SVG string: categorical x (the decades the bench steps
 * through, equally spaced), linear or logarithmic y, one polyline per series, a legend. Hand
 * written so the bench needs no charting dependency.
 */
export interface ChartSeries {
  name: string;
  /** One value per x category; undefined leaves a gap (a point that was skipped). */
  values: Array<number | undefined>;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  categories: string[];
  series: ChartSeries[];
  logY?: boolean;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf'];
const W = 860;
const H = 420;
const M = { left: 80, right: 300, top: 48, bottom: 62 };

export function renderLineChart(c: LineChart): string {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const all = c.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v) && (!c.logY || v > 0)));
  const axis = c.logY ? logAxis(all) : linearAxis(all);
  const x = (i: number) => M.left + (c.categories.length === 1 ? plotW / 2 : (i * plotW) / (c.categories.length - 1));
  const y = (v: number) => M.top + plotH - axis.fraction(v) * plotH;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${M.left}" y="24" font-size="15" font-weight="bold">${esc(c.title)}</text>`);
  for (const t of axis.ticks) {
    const ty = y(t);
    out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${f(ty)}" y2="${f(ty)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 8}" y="${f(ty + 4)}" text-anchor="end">${esc(shortNumber(t))}</text>`);
  }
  c.categories.forEach((cat, i) => {
    out.push(`<line x1="${f(x(i))}" x2="${f(x(i))}" y1="${M.top + plotH}" y2="${M.top + plotH + 5}" stroke="#333"/>`);
    out.push(`<text x="${f(x(i))}" y="${M.top + plotH + 20}" text-anchor="middle">${esc(cat)}</text>`);
  });
  out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}" stroke="#333"/>`);
  out.push(`<text x="${M.left + plotW / 2}" y="${H - 16}" text-anchor="middle">${esc(c.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}${c.logY ? ' (log scale)' : ''}</text>`);

  c.series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length];
    // A gap splits the line: a skipped point is not interpolated.
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${run.join(' ')}"/>`);
      run = [];
    };
    s.values.forEach((v, i) => {
      if (v === undefined || !Number.isFinite(v) || (c.logY && v <= 0)) return flush();
      run.push(`${f(x(i))},${f(y(v))}`);
      out.push(`<circle cx="${f(x(i))}" cy="${f(y(v))}" r="3.5" fill="${color}"><title>${esc(`${s.name} @ ${c.categories[i]}: ${shortNumber(v)}`)}</title></circle>`);
    });
    flush();
    const ly = M.top + 8 + si * 20;
    out.push(`<line x1="${W - M.right + 16}" x2="${W - M.right + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<text x="${W - M.right + 46}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

interface Axis {
  ticks: number[];
  fraction: (v: number) => number;
}

function linearAxis(values: number[]): Axis {
  const max = values.length ? Math.max(...values) : 1;
  const step = niceStep((max || 1) / 5);
  const top = Math.ceil((max || 1) / step) * step;
  const ticks: number[] = [];
  for (let t = 0; t <= top + step / 2; t += step) ticks.push(t);
  return { ticks, fraction: (v) => v / top };
}

function logAxis(values: number[]): Axis {
  const lo = Math.floor(Math.log10(values.length ? Math.min(...values) : 1));
  let hi = Math.ceil(Math.log10(values.length ? Math.max(...values) : 10));
  if (hi === lo) hi = lo + 1;
  const ticks: number[] = [];
  // 1-2-5 steps when few decades are shown, so values can be read off the axis.
  const steps = hi - lo <= 3 ? [1, 2, 5] : [1];
  for (let e = lo; e <= hi; e++) for (const m of steps) if (e < hi || m === 1) ticks.push(m * 10 ** e);
  return { ticks, fraction: (v) => (Math.log10(v) - lo) / (hi - lo) };
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
}

function shortNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a >= 1 || a === 0) return `${+v.toPrecision(3)}`;
  return `${+v.toPrecision(2)}`;
}

function f(n: number): string {
  return n.toFixed(1);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

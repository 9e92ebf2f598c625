import type { LineChart } from './svg-line-chart.js';

export interface RatioFigure {
  name: string;
  value: number;
  op: '>=' | '<=';
  target: number;
  met: boolean;
  /** What the two sides were, in absolute numbers. */
  detail: string;
}

/**
 * Collects and prints what the bench measures: one `ratio NAME VALUE target OPX` line per
 * figure, absolute numbers on `abs` lines of their own, `skipped` lines for figures that could
 * not run, and the chart data.
 */
export class BenchReport {
  readonly ratios: RatioFigure[] = [];
  readonly absolutes: Array<{ name: string; value: number; unit: string; note?: string }> = [];
  readonly skipped: Array<{ name: string; reason: string }> = [];
  readonly charts = new Map<string, LineChart>();

  constructor(private readonly write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {}

  absolute(name: string, value: number, unit: string, note?: string): void {
    this.absolutes.push({ name, value, unit, note });
    this.write(`abs ${name} ${format(value)} ${unit}${note ? `  (${note})` : ''}`);
  }

  ratio(name: string, value: number, op: '>=' | '<=', target: number, detail: string): void {
    const met = Number.isFinite(value) && (op === '>=' ? value >= target : value <= target);
    this.ratios.push({ name, value, op, target, met, detail });
    this.write(`ratio ${name} ${Number.isFinite(value) ? value.toFixed(2) : 'n/a'} target ${op}${target}`);
  }

  skip(name: string, reason: string): void {
    this.skipped.push({ name, reason });
    this.write(`skipped ${name}: ${reason}`);
  }

  note(text: string): void {
    this.write(`# ${text}`);
  }

  chart(file: string, chart: LineChart): void {
    this.charts.set(file, chart);
  }

  /** The results table of BENCHMARKS.md. */
  markdownTable(): string {
    const rows = ['| figure | value | target | met | measured |', '|---|---|---|---|---|'];
    for (const r of this.ratios) {
      rows.push(`| \`${r.name}\` | ${Number.isFinite(r.value) ? r.value.toFixed(2) : 'n/a'} | ${r.op} ${r.target} | ${r.met ? 'yes' : '**no**'} | ${r.detail} |`);
    }
    for (const s of this.skipped) rows.push(`| \`${s.name}\` | skipped | | | ${s.reason} |`);
    return rows.join('\n') + '\n';
  }
}

export function format(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

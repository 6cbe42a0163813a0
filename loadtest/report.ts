import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FireResult } from './fire.js';

export const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'results');

/** A plain aligned table: first row is the header. */
export function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => String(r[c] ?? '').length)));
  const line = (r: (string | number)[]) => r.map((v, c) => String(v).padStart(widths[c]!)).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export const ms = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;

export function writeJson(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/** Latency over time (p50 and p99 per second) and throughput, as a self-contained SVG. */
export function writeLatencyChart(name: string, series: { label: string; result: FireResult }[]): string {
  const W = 900;
  const H = 420;
  const pad = { l: 60, r: 150, t: 30, b: 40 };
  const maxSec = Math.max(1, ...series.flatMap((s) => s.result.timeline.map((t) => t.second)));
  const maxMs = Math.max(1, ...series.flatMap((s) => s.result.timeline.map((t) => t.p99)));
  const x = (sec: number) => pad.l + (sec / maxSec) * (W - pad.l - pad.r);
  const y = (v: number) => H - pad.b - (v / maxMs) * (H - pad.t - pad.b);
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
  const lines: string[] = [];
  series.forEach((s, i) => {
    const colour = colours[i % colours.length];
    for (const [key, dash] of [
      ['p99', ''],
      ['p50', '4 3'],
    ] as const) {
      const points = s.result.timeline
        .map((t) => `${x(t.second).toFixed(1)},${y(t[key]).toFixed(1)}`)
        .join(' ');
      lines.push(
        `<polyline fill="none" stroke="${colour}" stroke-width="2" stroke-dasharray="${dash}" points="${points}"/>`,
      );
    }
    lines.push(
      `<text x="${W - pad.r + 10}" y="${pad.t + 20 + i * 36}" fill="${colour}" font-size="12">${s.label}</text>`,
      `<text x="${W - pad.r + 10}" y="${pad.t + 34 + i * 36}" fill="${colour}" font-size="10">solid p99, dashed p50</text>`,
    );
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = maxMs * f;
    return `<text x="${pad.l - 8}" y="${y(v) + 4}" font-size="10" text-anchor="end">${v.toFixed(0)}</text><line x1="${pad.l}" x2="${W - pad.r}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${pad.l}" y="18" font-size="14">${name}: latency per second (ms)</text>
${ticks.join('\n')}
<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="black"/>
<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}" stroke="black"/>
<text x="${(W - pad.r) / 2}" y="${H - 8}" font-size="11">seconds into the run (0 – ${maxSec})</text>
${lines.join('\n')}
</svg>\n`;
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.svg`);
  writeFileSync(file, svg);
  return file;
}

/** The payment backlog (orders placed, not yet settled) over the sale, one line per run, as SVG. */
export function writeBacklogChart(
  name: string,
  series: { label: string; points: { at: number; backlog: number }[] }[],
): string {
  const W = 900;
  const H = 320;
  const pad = { l: 60, r: 190, t: 30, b: 40 };
  const maxAt = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.at)));
  const maxN = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.backlog)));
  const x = (at: number) => pad.l + (at / maxAt) * (W - pad.l - pad.r);
  const y = (n: number) => H - pad.b - (n / maxN) * (H - pad.t - pad.b);
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
  const lines = series.flatMap((s, i) => [
    `<polyline fill="none" stroke="${colours[i % colours.length]}" stroke-width="2" points="${s.points
      .map((p) => `${x(p.at).toFixed(1)},${y(p.backlog).toFixed(1)}`)
      .join(' ')}"/>`,
    `<text x="${W - pad.r + 10}" y="${pad.t + 20 + i * 18}" fill="${colours[i % colours.length]}" font-size="12">${s.label}</text>`,
  ]);
  const ticks = [0, 0.5, 1].map(
    (f) =>
      `<text x="${pad.l - 8}" y="${y(maxN * f) + 4}" font-size="10" text-anchor="end">${(maxN * f).toFixed(0)}</text><line x1="${pad.l}" x2="${W - pad.r}" y1="${y(maxN * f)}" y2="${y(maxN * f)}" stroke="#eee"/>`,
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${pad.l}" y="18" font-size="14">${name}: payment backlog (orders placed, not yet settled)</text>
${ticks.join('\n')}
<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="black"/>
<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}" stroke="black"/>
<text x="${(W - pad.r) / 2}" y="${H - 8}" font-size="11">seconds into the sale (0 – ${(maxAt / 1000).toFixed(0)})</text>
${lines.join('\n')}
</svg>\n`;
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}-backlog.svg`);
  writeFileSync(file, svg);
  return file;
}

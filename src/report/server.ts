/**
 * The server as the run's sources saw it (`luneo.server`, src/observe): a
 * chart per signal on the run's time axis, each source its own line, and
 * a table of each signal at the start of the hold, its peak and when.
 */
import { formatSignal, SIGNALS, SOURCE_NAMES, type SignalGroup, type SignalSeries, type SignalUnit } from '../observe/signals.ts';
import type { ResultsFile } from '../results/recorder.ts';
import type { ChartSpec, Unit } from './charts.ts';

export const GROUP_TITLES: Record<SignalGroup, string> = { api: 'Server: API', database: 'Server: database', redis: 'Server: Redis', worker: 'Server: render worker' };
const SOURCE_COLORS: Record<string, string> = { platform: '#0072B2', prometheus: '#E69F00', postgres: '#009E73', redis: '#D55E00' };
/** Charts read better on a common grid: each source's last reading in every 5 s. */
const GRID_MS = 5_000;

/** The chart unit for a signal's unit, and the factor its values are scaled by. */
function chartUnit(u: SignalUnit): { unit: Unit; scale: number; suffix: string } {
  switch (u) {
    case 'bytes':
      return { unit: 'count', scale: 1 / (1 << 20), suffix: ' (MiB)' };
    case 'µs':
      return { unit: 'ms', scale: 1 / 1000, suffix: '' };
    case 'ratio':
      return { unit: 'share', scale: 1, suffix: '' };
    case 'ms':
      return { unit: 'ms', scale: 1, suffix: '' };
    case 's':
      return { unit: 's', scale: 1, suffix: '' };
    case 'cores':
      return { unit: 'count', scale: 1, suffix: ' (cores)' };
    case 'count':
      return { unit: 'count', scale: 1, suffix: '' };
    default:
      return { unit: 'per_s', scale: 1, suffix: '' };
  }
}

function bySignal(r: ResultsFile): Map<string, SignalSeries[]> {
  const out = new Map<string, SignalSeries[]>();
  for (const s of r.luneo.server?.signals ?? []) {
    const key = `${s.group}.${s.name}`;
    out.set(key, [...(out.get(key) ?? []), s]);
  }
  return out;
}

/** The server charts, one per signal with data, in the catalogue's order; `start` is the report's time zero (epoch ms). */
export function serverCharts(r: ResultsFile, start: number): ChartSpec[] {
  const series = bySignal(r);
  const charts: ChartSpec[] = [];
  for (const def of SIGNALS) {
    const list = series.get(`${def.group}.${def.name}`);
    if (!list || list.every((s) => s.points.length === 0)) continue;
    const { unit, scale, suffix } = chartUnit(def.unit);
    const slots = new Set<number>();
    for (const s of list) for (const [t] of s.points) slots.add(Math.floor((t - start) / GRID_MS));
    const grid = [...slots].sort((a, b) => a - b);
    const index = new Map(grid.map((g, i) => [g, i]));
    const notes = [...new Set(list.map((s) => s.note).filter((n): n is string => n !== undefined))];
    // The moment a finding names, marked on its evidence chart.
    const marks = (r.luneo.diagnosis?.findings ?? []).filter((f) => f.signal === `${def.group}.${def.name}`);
    const markSeries = marks.map((f) => {
      const values: (number | null)[] = grid.map(() => null);
      const slot = index.get(Math.floor((f.at - start) / GRID_MS));
      const near = list.flatMap((s) => s.points).reduce<[number, number] | undefined>((best, p) => (best === undefined || Math.abs(p[0] - f.at) < Math.abs(best[0] - f.at) ? p : best), undefined);
      if (slot !== undefined && near) values[slot] = near[1] * scale;
      return { label: `finding: ${f.component}`, values, color: '#D55E00', markers: true };
    });
    charts.push({
      id: `server-${def.group}-${def.name}`,
      group: GROUP_TITLES[def.group],
      title: `${def.label}${suffix}`,
      subtitle: [`${list.map((s) => SOURCE_NAMES[s.source].label).join(', ')}`, ...notes].join('; '),
      unit,
      x: grid.map((g) => (g * GRID_MS) / 1000),
      series: list.map((s) => {
        const values: (number | null)[] = grid.map(() => null);
        for (const [t, v] of s.points) values[index.get(Math.floor((t - start) / GRID_MS)) ?? 0] = v * scale;
        return { label: SOURCE_NAMES[s.source].label, values, color: SOURCE_COLORS[s.source] ?? '#000000' };
      }).concat(markSeries),
    });
  }
  return charts;
}

export interface ServerRow {
  group: SignalGroup;
  signal: string;
  source: string;
  atHoldStart: string;
  peak: string;
  /** seconds from the report's time zero */
  peakAt: number | undefined;
}

/** Each signal from each source: its value at the start of the hold (or of the run), its peak and when. */
export function serverRows(r: ResultsFile, start: number): ServerRow[] {
  const holdStart = r.luneo.delivery.holds[0]?.at ?? start;
  const series = bySignal(r);
  const rows: ServerRow[] = [];
  for (const def of SIGNALS) {
    for (const s of series.get(`${def.group}.${def.name}`) ?? []) {
      if (s.points.length === 0) continue;
      const atHold = s.points.find(([t]) => t >= holdStart) ?? s.points.at(-1);
      const peak = s.points.reduce((m, p) => (p[1] > m[1] ? p : m));
      rows.push({
        group: def.group,
        signal: def.label,
        source: SOURCE_NAMES[s.source].label,
        atHoldStart: atHold ? formatSignal(atHold[1], def.unit) : '–',
        peak: formatSignal(peak[1], def.unit),
        peakAt: (peak[0] - start) / 1000,
      });
    }
  }
  return rows;
}

/** What could not be seen: a source that stopped, a signal it could not read. */
export function serverNotes(r: ResultsFile): string[] {
  return (r.luneo.server?.sources ?? []).filter((s) => s.note).map((s) => `${SOURCE_NAMES[s.source].label} (${s.target ?? '?'}): ${s.note}`);
}

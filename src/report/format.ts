/** Number, time and label formatting shared by the HTML and Markdown reports. */
import { verdictHeadline } from '../verdict/summary.ts';
import type { ResultsFile } from '../results/recorder.ts';

export function fmtNumber(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  const abs = Math.abs(n);
  if (abs >= 100) return n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  if (abs >= 10) return n.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return n.toLocaleString('en-US', { maximumSignificantDigits: 3 });
}

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (Math.abs(ms) >= 10_000) return `${fmtNumber(Math.round(ms / 100) / 10)} s`;
  return `${fmtNumber(ms)} ms`;
}

/** Phase lengths: set in seconds, so shown in seconds with the milliseconds they slipped by. */
export function fmtSeconds(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '–' : `${(ms / 1000).toFixed(3)} s`;
}

export function fmtPercent(share: number | undefined): string {
  return share === undefined || !Number.isFinite(share) ? '–' : `${fmtNumber(Math.round(share * 1000) / 10)} %`;
}

/** `2026-11-29 11:35:20 UTC`: one time zone for everyone who reads a CI artefact. */
export function fmtTime(epochMs: number | undefined): string {
  if (epochMs === undefined || !Number.isFinite(epochMs)) return '–';
  return `${new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
}

export type VerdictLabel = 'PASS' | 'FAIL' | 'REGRESSED' | `INVALID (${string})` | 'ABORTED' | 'NO VERDICT';

/** `noVerdict`: the file holds no thresholds to judge by (not one of the package's scenarios). */
export function verdictLabel(r: ResultsFile, noVerdict: boolean): VerdictLabel {
  if (noVerdict) return 'NO VERDICT';
  return verdictHeadline(r.luneo.verdict) as VerdictLabel;
}

/** The run's time span from Artillery's own timestamps, falling back on the periods. */
export function runSpan(r: ResultsFile): { start?: number; end?: number } {
  const periods = r.intermediate.map((p) => Number(p.period)).filter((x) => Number.isFinite(x));
  const firsts = r.intermediate.map((p) => p.firstMetricAt).filter((x): x is number => typeof x === 'number');
  const lasts = r.intermediate.map((p) => p.lastMetricAt).filter((x): x is number => typeof x === 'number');
  const start = r.aggregate.firstMetricAt ?? min([...firsts, ...periods]);
  const end = r.aggregate.lastMetricAt ?? max(lasts);
  const span: { start?: number; end?: number } = {};
  if (start !== undefined) span.start = start;
  if (end !== undefined) span.end = end;
  return span;
}

function min(xs: readonly number[]): number | undefined {
  return xs.length === 0 ? undefined : Math.min(...xs);
}

function max(xs: readonly number[]): number | undefined {
  return xs.length === 0 ? undefined : Math.max(...xs);
}

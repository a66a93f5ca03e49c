/**
 * Tonight against last night: a results file compared with a baseline
 * results file, per check and per step (p50/p95/p99, error rate,
 * throughput) and for the run (error rate, throughput, concurrency
 * reached). An optional regression limit on each step's p95
 * (LUNEO_MAX_REGRESSION=20%) fails the verdict.
 */
import { METRICS } from '../metric-names.ts';
import type { ResultsFile } from '../results/recorder.ts';
import { rejudge } from '../verdict/summary.ts';
import { STEP_METRICS } from './charts.ts';
import { runSpan } from './format.ts';
import { checkLines } from './summary.ts';

export const REGRESSION_VARIABLE = 'LUNEO_MAX_REGRESSION';

export interface StepFigures {
  p50?: number;
  p95?: number;
  p99?: number;
  /** samples per second over the run */
  throughput?: number;
  /** failed / (ok + failed), where the step counts both */
  errorRate?: number;
}

export interface StepComparison {
  metric: string;
  title: string;
  now: StepFigures;
  base: StepFigures;
  /** `+12.3 %` */
  p95Change?: string;
  regressed: boolean;
}

export interface CheckComparison {
  expression: string;
  metric: string;
  now?: number;
  base?: number;
  change?: string;
  nowPassed: boolean;
  /** undefined when the baseline has no such check */
  basePassed?: boolean;
}

export interface RunFigures {
  requests: number;
  errorRate?: number;
  /** requests per second over the run */
  throughput?: number;
  /** mean over the busiest 10 s, all workers */
  peakUsers: number;
  /** most at once on one worker */
  peakUsersSampled: number;
}

export interface Comparison {
  /** the baseline file as given */
  baseSource: string;
  /** epoch ms the baseline run started */
  baseStart?: number;
  checks: CheckComparison[];
  steps: StepComparison[];
  run: { now: RunFigures; base: RunFigures };
  /** the p95 regression limit as a share (0.2 = 20 %), when set */
  limit?: number;
  failed: boolean;
  reasons: string[];
}

/** `20%`, `20 %` or `20`: percent, above 0. */
export function parseRegressionLimit(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const v = m ? Number(m[1]) : NaN;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${REGRESSION_VARIABLE} must be a percentage above 0, e.g. 20%, got "${text}"`);
  return v / 100;
}

const E = METRICS.embed;
const R = METRICS.render;
/** The counters each step's outcome is counted under. */
const STEP_OUTCOMES: Record<string, [ok: string, failed: string]> = {
  [E.tokenMs]: [E.tokenOk, E.tokenFailed],
  [E.widgetMs]: [E.widgetOk, E.widgetFailed],
  [E.validateMs]: [E.validateOk, E.validateFailed],
  [E.handshakeMs]: [E.handshakeOk, E.handshakeFailed],
  [R.enqueueMs]: [R.enqueueOk, R.enqueueFailed],
};

function seconds(r: ResultsFile): number | undefined {
  const s = runSpan(r);
  return s.start !== undefined && s.end !== undefined && s.end > s.start ? (s.end - s.start) / 1000 : undefined;
}

function stepFigures(r: ResultsFile, metric: string): StepFigures {
  const out: StepFigures = {};
  const s = r.aggregate.summaries[metric];
  const c = r.aggregate.counters;
  if (s) {
    out.p50 = s.p50;
    out.p95 = s.p95;
    out.p99 = s.p99;
    const t = seconds(r);
    if (t !== undefined) out.throughput = s.count / t;
  }
  if (metric === METRICS.requests.allMs) {
    const sent = c[METRICS.requests.sent];
    if (sent) out.errorRate = (c[METRICS.requests.failed] ?? 0) / sent;
  } else {
    const names = STEP_OUTCOMES[metric];
    if (names) {
      const ok = c[names[0]] ?? 0;
      const failed = c[names[1]] ?? 0;
      if (ok + failed > 0) out.errorRate = failed / (ok + failed);
    }
  }
  return out;
}

export function runFigures(r: ResultsFile): RunFigures {
  const c = r.aggregate.counters;
  const requests = c['http.requests'] ?? c[METRICS.requests.sent] ?? 0;
  const out: RunFigures = { requests, peakUsers: r.luneo.peakUsers, peakUsersSampled: r.luneo.peakUsersSampled ?? 0 };
  const sent = c[METRICS.requests.sent];
  if (sent) out.errorRate = ((c[METRICS.requests.failed] ?? 0) + (c['vusers.failed'] ?? 0)) / (sent + (c['vusers.failed'] ?? 0));
  const t = seconds(r);
  if (t !== undefined) out.throughput = requests / t;
  return out;
}

/** Relative change, `+12.3 %`; undefined without both values or from a zero baseline. */
export function change(now: number | undefined, base: number | undefined): string | undefined {
  if (now === undefined || base === undefined || base === 0) return undefined;
  const d = ((now - base) / base) * 100;
  return `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(1)} %`;
}

/** A difference between two shares, in percentage points: error rates near 0 make relative changes meaningless. */
export function pointChange(now: number | undefined, base: number | undefined): string | undefined {
  if (now === undefined || base === undefined) return undefined;
  const d = (now - base) * 100;
  return `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(2)} pp`;
}

function steps(r: ResultsFile): { metric: string; title: string }[] {
  return [...(STEP_METRICS[r.luneo.scenario] ?? []), { metric: METRICS.requests.allMs, title: 'All requests' }];
}

export function compare(now: ResultsFile, base: ResultsFile, baseSource: string, limit?: number): Comparison {
  const reasons: string[] = [];
  if (now.luneo.scenario !== base.luneo.scenario) reasons.push(`the baseline is a ${base.luneo.scenario} run, this is ${now.luneo.scenario}: only the metrics both have are compared`);
  const shape = (r: ResultsFile) => (r.luneo.run ? `profile ${r.luneo.run.profile} against ${r.luneo.run.environment}` : undefined);
  if (shape(now) && shape(base) && shape(now) !== shape(base)) reasons.push(`the baseline ran ${shape(base)}, this run ${shape(now)}: the figures are not like for like`);
  const baseLines = new Map(checkLines(base).map((c, i) => [c.expression, { line: c, row: base.luneo.checks[i] }]));
  const checks = checkLines(now).map((c, i): CheckComparison => {
    const row = now.luneo.checks[i];
    const b = baseLines.get(c.expression);
    const out: CheckComparison = { expression: c.expression, metric: c.metric, nowPassed: c.result !== 'fail' };
    if (row?.measured !== undefined) out.now = row.measured;
    if (b) {
      out.basePassed = b.line.result !== 'fail';
      if (b.row?.measured !== undefined) out.base = b.row.measured;
    }
    const ch = change(out.now, out.base);
    if (ch) out.change = ch;
    return out;
  });
  let failed = false;
  const stepRows = steps(now).map((s): StepComparison => {
    const n = stepFigures(now, s.metric);
    const b = stepFigures(base, s.metric);
    const row: StepComparison = { metric: s.metric, title: s.title, now: n, base: b, regressed: false };
    const ch = change(n.p95, b.p95);
    if (ch) row.p95Change = ch;
    if (limit !== undefined && n.p95 !== undefined && b.p95 !== undefined && b.p95 > 0 && n.p95 > b.p95 * (1 + limit)) {
      row.regressed = true;
      failed = true;
      reasons.push(`${s.metric} p95 regressed ${ch} against the baseline (${Math.round(n.p95)} ms against ${Math.round(b.p95)} ms; ${REGRESSION_VARIABLE} allows +${Math.round(limit * 100)} %)`);
    }
    return row;
  });
  const out: Comparison = { baseSource, checks, steps: stepRows, run: { now: runFigures(now), base: runFigures(base) }, failed, reasons };
  const start = runSpan(base).start;
  if (start !== undefined) out.baseStart = start;
  if (limit !== undefined) out.limit = limit;
  return out;
}

/**
 * The results judged with the comparison as one more input of the verdict:
 * a passing run that regressed beyond the limit fails (exit 1).
 */
export function withRegressionVerdict(r: ResultsFile, c: Comparison): ResultsFile {
  if (!c.failed) return r;
  const verdict = rejudge(r.luneo, { baselineRegressions: c.reasons.filter((x) => /regressed/.test(x)) });
  return { ...r, luneo: { ...r.luneo, verdict } };
}

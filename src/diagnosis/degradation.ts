/**
 * When the client side degraded, read off the run's 10-second periods:
 * a step's p95 or the error share rising well beyond its own early level,
 * the successful answers of the flow's first step collapsing while users
 * are held (a request that hangs has no latency yet: a locked table shows
 * as answers that stop, not as a slow p95), or a failed threshold that
 * held early, dated by the first period whose own value breaks it.
 */
import { flowOf } from '../flows/index.ts';
import { METRICS } from '../metric-names.ts';
import { periodLoad } from '../verdict/abort.ts';
import { evaluate, splitCheck } from '../verdict/check-values.ts';
import type { PeriodReport } from '../verdict/summary.ts';
import type { ResultsFile } from '../results/recorder.ts';

export interface Degradation {
  /** the metric that degraded first (a step's latency, 'errors', a step's answers, or a failed check's expression) */
  metric: string;
  label: string;
  /** how it degraded: a rise, a fall, or a threshold its period's own value broke */
  change: 'rose' | 'fell' | 'broke';
  /** its level before (the early periods), and the worst after */
  from: number;
  to: number;
  unit: 'ms' | 'share' | 'rate' | 'value';
  /** start of the period it began (epoch ms) and its number, 1-based */
  at: number;
  period: number;
  /** a threshold on it failed */
  failedThreshold: boolean;
}

/**
 * Above this many times its early level, and by at least this much, a step's p95 "rose well beyond its own level".
 * Below a third of it two periods in a row, one of them with each user's round of the flow a second longer or more (or
 * no answer), its answers "fell": without pauses the answers per user follow the latency, and a busy machine's slower
 * milliseconds are no stall.
 */
export const RISE = { factor: 3, minMs: 50, minErrorShare: 0.02, minAnswers: 20, minStallSec: 1 } as const;
/** Periods taken as the early level. */
const BASELINE_PERIODS = 2;

interface Series {
  metric: string;
  label: string;
  unit: Degradation['unit'];
  values: (number | undefined)[];
  /** the level it is judged against, from the early periods' values; `confirms`: one of the two periods must also pass it */
  limit(baseline: number[]): { base: number; beyond: (v: number) => boolean; confirms?: (v: number) => boolean };
  /** it degrades by falling: judged only when the early periods each had this many answers */
  falls?: { minAnswers: number };
}

function ordered(r: ResultsFile): PeriodReport[] {
  return [...r.intermediate].filter((p) => Number.isFinite(Number(p.period))).sort((a, b) => Number(a.period) - Number(b.period));
}

const rising = (minRise: number, relative: boolean) => (baseline: number[]) => {
  // The lower of the first periods: a fault that began inside the second must not raise the level it is judged against.
  const base = Math.min(...baseline);
  const threshold = relative ? Math.max(base * RISE.factor, base + minRise) : Math.max(base * RISE.factor, minRise);
  return { base, beyond: (v: number) => v > threshold };
};

/** The series a fault moves, each with its own sense of "degraded". */
function seriesOf(r: ResultsFile, periods: PeriodReport[]): Series[] {
  const out: Series[] = [];
  const flow = flowOf(r.luneo.scenario);
  for (const step of flow?.steps ?? []) {
    out.push({ metric: step.metric, label: `${step.title} p95`, unit: 'ms', values: periods.map((p) => p.summaries[step.metric]?.p95), limit: rising(RISE.minMs, true) });
  }
  // A render's users wait for the job, not the enqueue: the time to a finished render degrades first when workers fall behind.
  if (flow?.renderJobs) {
    const m = METRICS.render.jobProcessingMs;
    out.push({ metric: m, label: 'render job time (enqueue to success) p95', unit: 'ms', values: periods.map((p) => p.summaries[m]?.p95), limit: rising(RISE.minMs, true) });
  }
  out.push({ metric: 'errors', label: 'error share', unit: 'share', values: periods.map((p) => periodLoad(p).errorRate), limit: rising(RISE.minErrorShare, false) });
  const entry = flow?.steps[0];
  if (entry) {
    // Successful answers per user-second held: only hold periods (a ramp-down is no collapse), and no answer there is none.
    const heldSeconds = (p: PeriodReport) => p.counters[METRICS.load.holdUserSeconds] ?? 0;
    out.push({
      metric: entry.metric,
      label: `${entry.title} answers per ${flow.users.one}-second`,
      unit: 'rate',
      falls: { minAnswers: RISE.minAnswers },
      values: periods.map((p) => (heldSeconds(p) > 0 ? (p.summaries[entry.metric]?.count ?? 0) / heldSeconds(p) : undefined)),
      limit: (baseline) => {
        const base = Math.max(...baseline);
        // The period a fault begins in is part calm: the stall need show in one of the two.
        return { base, beyond: (v: number) => v < base / RISE.factor, confirms: (v: number) => v === 0 || 1 / v - 1 / base >= RISE.minStallSec };
      },
    });
  }
  return out;
}

const holds = (v: number, op: string, limit: number): boolean =>
  op === '<' ? v < limit : op === '<=' ? v <= limit : op === '>' ? v > limit : op === '>=' ? v >= limit : v === limit;

/** A failed check's value in each period; a counter the run has but a period lacks counted 0 there (no successes is a value). */
function checkSeries(r: ResultsFile, periods: PeriodReport[], expression: string) {
  const parts = splitCheck(expression);
  if (!parts) return undefined;
  const zeros = Object.fromEntries(Object.keys(r.aggregate.counters).map((k) => [k, 0]));
  const values = periods.map((p) => evaluate(parts.left, { ...p, counters: { ...zeros, ...p.counters } }));
  const breaks = (v: number | undefined): v is number => v !== undefined && !holds(v, parts.op, parts.limit);
  // An upper limit is broken worst by the highest value, a lower one by the lowest.
  const worst = (vs: number[]) => (parts.op.startsWith('<') ? Math.max(...vs) : Math.min(...vs));
  const unit: Degradation['unit'] = /\.(p\d+|median|mean|max|min)$/.test(parts.left) ? 'ms' : 'value';
  return { values, breaks, worst, unit };
}

/** The first degradation in the run, if any: the earliest period in which a tracked series left its level or a threshold that held broke. */
export function findDegradation(r: ResultsFile): Degradation | undefined {
  const periods = ordered(r);
  if (periods.length === 0) return undefined;
  const failedChecks = r.luneo.checks.filter((c) => !c.passed && c.strict && !c.unmeasured).map((c) => c.expression);
  const failedOn = (m: string) => failedChecks.some((e) => (splitCheck(e)?.left ?? '').includes(m));
  const at = (i: number) => ({ at: Number(periods[i]?.period), period: i + 1 });
  const onsets: Degradation[] = [];
  for (const s of seriesOf(r, periods)) {
    const present = s.values.map((v, i) => [i, v] as const).filter((x): x is readonly [number, number] => x[1] !== undefined);
    // The early level: the run's first periods, or a series that starts later (the hold) its own first one.
    const early = present.filter(([i]) => i < BASELINE_PERIODS);
    const baseline = early.length > 0 ? early : present.slice(0, 1);
    if (baseline.length === 0) continue;
    // A few answers a period fall to a third by chance: too few to call a collapse.
    if (s.falls && baseline.some(([i]) => (periods[i]?.summaries[s.metric]?.count ?? 0) < (s.falls?.minAnswers ?? 0))) continue;
    const limit = s.limit(baseline.map(([, v]) => v));
    // Two periods in a row beyond it: one slow period on a shared machine is noise, a fault lasts.
    const after = present.slice(baseline.length);
    const confirmed = (a: number, b: number) => !limit.confirms || limit.confirms(a) || limit.confirms(b);
    const onset = after.find(([, v], k) => {
      const next = after[k + 1]?.[1];
      return next !== undefined && limit.beyond(v) && limit.beyond(next) && confirmed(v, next);
    });
    if (!onset) continue;
    const later = present.filter(([i]) => i >= onset[0]).map(([, v]) => v);
    const to = s.falls ? Math.min(...later) : Math.max(...later);
    onsets.push({ metric: s.metric, label: s.label, change: s.falls ? 'fell' : 'rose', from: limit.base, to, unit: s.unit, ...at(onset[0]), failedThreshold: failedOn(s.metric) });
  }
  for (const expression of failedChecks) {
    const c = checkSeries(r, periods, expression);
    const first = c ? c.values.findIndex(c.breaks) : -1;
    if (!c || first < 0) continue;
    // Held through the early periods, then broken: an onset like a rise. Broken from the first period (or a
    // ratio of jobs that finish a period after they start): it says that the run failed, not when.
    if (c.values.slice(0, first).filter((v) => v !== undefined).length < BASELINE_PERIODS) continue;
    const from = c.values.find((v) => v !== undefined) ?? 0;
    onsets.push({ metric: expression, label: expression, change: 'broke', from, to: c.worst(c.values.filter(c.breaks)), unit: c.unit, ...at(first), failedThreshold: true });
  }
  // The earliest onset; in one period a change of a series before a threshold (it says what moved), in their order.
  const rank = (d: Degradation) => (d.change === 'broke' ? 1 : 0);
  return onsets.sort((a, b) => a.at - b.at || rank(a) - rank(b))[0];
}

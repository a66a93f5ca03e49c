/**
 * When the client side degraded: a step's p95, or the error share, rising
 * well beyond its own level early in the hold, or failing its threshold.
 * Read off the run's 10-second periods.
 */
import { flowOf } from '../flows/index.ts';
import { METRICS } from '../metric-names.ts';
import { periodLoad } from '../verdict/abort.ts';
import { splitCheck } from '../verdict/check-values.ts';
import type { PeriodReport } from '../verdict/summary.ts';
import type { ResultsFile } from '../results/recorder.ts';

export interface Degradation {
  /** the metric that degraded first (a step's latency, or 'errors') */
  metric: string;
  label: string;
  /** its level before (median of the first periods), and the worst after */
  from: number;
  to: number;
  unit: 'ms' | 'share';
  /** start of the period it began (epoch ms) and its number, 1-based */
  at: number;
  period: number;
  /** a threshold on it failed */
  failedThreshold: boolean;
}

/** Above this many times its early level, and by at least this much, a step's p95 "rose well beyond its own level". */
export const RISE = { factor: 3, minMs: 50, minErrorShare: 0.02 } as const;
/** Periods taken as the early level. */
const BASELINE_PERIODS = 2;

function ordered(r: ResultsFile): PeriodReport[] {
  return [...r.intermediate].filter((p) => Number.isFinite(Number(p.period))).sort((a, b) => Number(a.period) - Number(b.period));
}

/** The first degradation in the run, if any: the earliest period in which any tracked series left its level. */
export function findDegradation(r: ResultsFile): Degradation | undefined {
  const periods = ordered(r);
  if (periods.length === 0) return undefined;
  const failed = new Set(r.luneo.checks.filter((c) => !c.passed && c.strict && !c.unmeasured).map((c) => splitCheck(c.expression)?.left ?? ''));
  const failedMetric = (m: string) => [...failed].some((left) => left.startsWith(`${m}.`) || left.includes(m));
  const series: { metric: string; label: string; unit: 'ms' | 'share'; values: (number | undefined)[] }[] = [];
  const flow = flowOf(r.luneo.scenario);
  for (const step of flow?.steps ?? []) series.push({ metric: step.metric, label: `${step.title} p95`, unit: 'ms', values: periods.map((p) => p.summaries[step.metric]?.p95) });
  // A render's users wait for the job, not the enqueue: the time to a finished render degrades first when workers fall behind.
  if (flow && 'renderJobs' in flow && flow.renderJobs) {
    const m = METRICS.render.jobProcessingMs;
    series.push({ metric: m, label: 'render job time (enqueue to success) p95', unit: 'ms', values: periods.map((p) => p.summaries[m]?.p95) });
  }
  series.push({ metric: 'errors', label: 'error share', unit: 'share', values: periods.map((p) => periodLoad(p).errorRate) });
  let first: Degradation | undefined;
  let fallback: Degradation | undefined;
  for (const s of series) {
    const present = s.values.map((v, i) => [i, v] as const).filter((x): x is readonly [number, number] => x[1] !== undefined);
    if (present.length === 0) continue;
    // The lower of the first periods: a fault that began inside the second must not raise the level it is judged against.
    const base = Math.min(...present.slice(0, BASELINE_PERIODS).map(([, v]) => v));
    const threshold = s.unit === 'ms' ? Math.max(base * RISE.factor, base + RISE.minMs) : Math.max(base * RISE.factor, RISE.minErrorShare);
    // Two periods in a row above it: one slow period on a shared machine is noise, a fault lasts.
    const after = present.slice(BASELINE_PERIODS);
    const rose = after.find(([, v], k) => v > threshold && (after[k + 1]?.[1] ?? 0) > threshold);
    const failedHere = s.metric !== 'errors' && failedMetric(s.metric);
    const at = rose?.[0] ?? (failedHere ? present[0]?.[0] : undefined);
    if (at === undefined) continue;
    const worst = Math.max(...present.filter(([i]) => i >= at).map(([, v]) => v));
    const d: Degradation = { metric: s.metric, label: s.label, from: base, to: worst, unit: s.unit, at: Number(periods[at]?.period), period: at + 1, failedThreshold: failedHere };
    // A series that rose says when; one that only failed its threshold (high from the start) does not.
    if (rose) {
      if (!first || d.at < first.at) first = d;
    } else fallback ??= d;
  }
  return first ?? fallback;
}

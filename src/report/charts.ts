/**
 * What the report charts, as plain data: each chart is a list of series over
 * one x axis (seconds since the run started). The page's script only draws
 * these specs, so everything about which metric goes where is here, typed
 * and testable without a browser.
 */
import { splitCheck } from '../verdict/check-values.ts';
import { concurrencyAt } from '../load/model.ts';
import { decodeStages } from '../load/stages.ts';
import { METRICS } from '../metric-names.ts';
import type { ResultsFile } from '../results/recorder.ts';
import { GENERATOR_LIMITS, PERIOD_SECONDS, type PeriodReport, type Summary } from '../verdict/summary.ts';
import { fmtMs, runSpan } from './format.ts';
import { errorKinds, who } from './summary.ts';
import { FLOWS, flowOf } from '../flows/index.ts';
import { serverCharts } from './server.ts';

/** How the page formats the values of a chart (axis ticks and legend). */
export type Unit = 'ms' | 's' | 'per_s' | 'count' | 'users' | 'jobs' | 'share';

export interface ChartSeries {
  label: string;
  /** one value per x; null where the metric was not reported (drawn as a gap) */
  values: (number | null)[];
  color: string;
  dash?: number[];
  /** a reference line (an SLO, the planned profile): drawn thin, without points */
  reference?: boolean;
  /** drawn only once the reader turns it on in the legend */
  hidden?: boolean;
  /** points only, drawn large, no line: marks (the history's change points) */
  markers?: boolean;
}

export interface ChartSpec {
  id: string;
  /** the section of the page it belongs to */
  group: string;
  title: string;
  subtitle?: string;
  unit: Unit;
  /** seconds since the run started, or run numbers where `xAxis` is 'runs' (the history page) */
  x: number[];
  xAxis?: 'seconds' | 'runs';
  /** only series with data; none means the page shows `note` instead of a chart */
  series: ChartSeries[];
  note?: string;
}

/** The named steps whose latency gets a chart, per scenario: each flow's own (src/flows/). */
export const STEP_METRICS: Record<string, readonly { metric: string; title: string }[]> = Object.fromEntries(Object.values(FLOWS).map((f) => [f.name, f.steps]));

const ALL_REQUESTS = { metric: METRICS.requests.allMs, title: 'All requests' };

/** Colour-blind-safe categories: Okabe–Ito first, then Tol's muted colours for runs with many kinds of error. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#8c6d1f', '#000000', '#999933', '#882255'];
const PERCENTILE_COLORS = { p50: '#0072B2', p95: '#E69F00', p99: '#D55E00' } as const;

interface Axis {
  start: number;
  periods: PeriodReport[];
  x: number[];
}

function axisOf(r: ResultsFile): Axis {
  const periods = [...r.intermediate].filter((p) => Number.isFinite(Number(p.period))).sort((a, b) => Number(a.period) - Number(b.period));
  const start = periods.length > 0 ? Number(periods[0]?.period) : 0;
  return { start, periods, x: periods.map((p) => (Number(p.period) - start) / 1000) };
}

/** The report's time zero (epoch ms): the first period's start, which every chart's seconds count from. */
export function timeZero(r: ResultsFile): number {
  return axisOf(r).start;
}

function counterNames(r: ResultsFile): string[] {
  const names = new Set(Object.keys(r.aggregate.counters));
  for (const p of r.intermediate) for (const k of Object.keys(p.counters)) names.add(k);
  return [...names].sort();
}

function hasSummary(r: ResultsFile, name: string): boolean {
  return name in r.aggregate.summaries || r.intermediate.some((p) => name in p.summaries);
}

/** Artillery leaves a counter out of a period in which it did not move: that is a 0, not a gap. */
function counterValues(a: Axis, name: string, scale = 1): (number | null)[] {
  return a.periods.map((p) => round((p.counters[name] ?? 0) * scale));
}

function summaryValues(a: Axis, name: string, stat: keyof Summary): (number | null)[] {
  return a.periods.map((p) => {
    const v = p.summaries[name]?.[stat];
    return typeof v === 'number' && Number.isFinite(v) ? round(v) : null;
  });
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function hasData(s: ChartSeries): boolean {
  return s.values.some((v) => v !== null);
}

function nonZero(s: ChartSeries): boolean {
  return s.values.some((v) => v !== null && v !== 0);
}

function colored(list: { label: string; values: (number | null)[]; dash?: number[] }[]): ChartSeries[] {
  return list.map((s, i) => ({ ...s, color: PALETTE[i % PALETTE.length] ?? '#000000' }));
}

function percentileSeries(a: Axis, metric: string): ChartSeries[] {
  return (['p50', 'p95', 'p99'] as const).map((stat) => ({ label: stat, values: summaryValues(a, metric, stat), color: PERCENTILE_COLORS[stat] }));
}

/** Each latency check on `metric` (`metric.p95 < 300`) as a flat line at its limit, in its percentile's colour. */
export function sloLines(r: ResultsFile, a: Axis, metric: string): ChartSeries[] {
  return r.luneo.checks.flatMap((check) => {
    const c = splitCheck(check.expression);
    const stat = c?.left.startsWith(`${metric}.`) ? c.left.slice(metric.length + 1) : undefined;
    if (!c || !stat || !/^p\d+$/.test(stat) || a.x.length === 0) return [];
    const color = (PERCENTILE_COLORS as Record<string, string>)[stat] ?? PALETTE[7] ?? '#000000';
    return [{ label: `${stat} SLO (${c.op} ${fmtMs(c.limit)})`, values: a.x.map(() => c.limit), color, dash: [8, 5], reference: true }];
  });
}

/** Limits this far above every measured value would flatten the measurements to a line at the bottom. */
const FAR_ABOVE = 4;

/**
 * SLO lines far above the whole chart start hidden (the legend shows them, a
 * click draws them): a healthy run's latency curve stays readable, and the
 * subtitle and the note still give the limits.
 */
function hideFarLimits(c: ChartSpec): ChartSpec {
  const refs = c.series.filter((s) => s.reference);
  const measured = c.series.filter((s) => !s.reference).flatMap((s) => s.values.filter((v): v is number => v !== null));
  if (refs.length === 0 || measured.length === 0) return c;
  const top = Math.max(...measured);
  const lowest = Math.min(...refs.map((s) => s.values.find((v): v is number => v !== null) ?? Infinity));
  if (!(lowest > FAR_ABOVE * top)) return c;
  const note = `Every value stays below a ${FAR_ABOVE}th of the SLO lines (${refs.map((s) => s.label).join(', ')}): they start hidden; click them in the legend to draw them.`;
  return { ...c, series: c.series.map((s) => (s.reference ? { ...s, hidden: true } : s)), note: c.note ? `${c.note} ${note}` : note };
}

/**
 * The profile's planned concurrency, as the mean over each period (what the
 * measured mean is compared with), from the stages and time zero the run
 * recorded; none when the file does not say.
 */
export function plannedConcurrency(r: ResultsFile, a: Axis): (number | null)[] | undefined {
  const run = r.luneo.run;
  // Older results files lack the time zero: the first metric comes within a moment of it.
  const zero = typeof run?.epochMs === 'number' ? run.epochMs : runSpan(r).start;
  if (!run || zero === undefined || a.periods.length === 0) return undefined;
  let stages;
  try {
    stages = decodeStages(run.stages);
  } catch {
    return undefined;
  }
  const STEPS = 20;
  return a.periods.map((p) => {
    const from = (Number(p.period) - zero) / 1000;
    let sum = 0;
    for (let k = 0; k < STEPS; k++) sum += from + ((k + 0.5) * PERIOD_SECONDS) / STEPS >= 0 ? concurrencyAt(stages, from + ((k + 0.5) * PERIOD_SECONDS) / STEPS) : 0;
    return round(sum / STEPS);
  });
}

/** `limits p95 < 300 ms · p99 < 500 ms` from the checks on this metric, and the whole-run values. */
function latencySubtitle(r: ResultsFile, metric: string): string {
  const parts: string[] = [];
  const agg = r.aggregate.summaries[metric];
  if (agg) parts.push(`whole run: p50 ${fmtMs(agg.p50)} · p95 ${fmtMs(agg.p95)} · p99 ${fmtMs(agg.p99)} (${agg.count} samples)`);
  const limits = r.luneo.checks.flatMap((check) => {
    const c = splitCheck(check.expression);
    const stat = c?.left.startsWith(`${metric}.`) ? c.left.slice(metric.length + 1) : undefined;
    return c && stat && /^p\d+$/.test(stat) ? [`${stat} ${c.op} ${fmtMs(c.limit)}`] : [];
  });
  if (limits.length > 0) parts.push(`limits (dashed lines): ${limits.join(' · ')}`);
  return parts.join('  —  ');
}

function withSubtitle(head: string, r: ResultsFile, metric: string): string {
  const tail = latencySubtitle(r, metric);
  return tail ? `${head}  —  ${tail}` : head;
}

function chart(spec: Omit<ChartSpec, 'series' | 'note'>, series: ChartSeries[], emptyNote: string, dropZero = false): ChartSpec {
  const withData = series.filter(hasData);
  const drawn = dropZero ? withData.filter(nonZero) : withData;
  const out: ChartSpec = { ...spec, series: drawn };
  const zero = dropZero ? withData.filter((s) => !nonZero(s)).map((s) => s.label) : [];
  if (drawn.length === 0) out.note = zero.length > 0 ? `${emptyNote} Every counter stayed at 0: ${zero.join(', ')}.` : emptyNote;
  else if (zero.length > 0) out.note = `Stayed at 0 (not drawn): ${zero.join(', ')}.`;
  return out;
}

function stepsFor(r: ResultsFile): { metric: string; title: string }[] {
  const known = STEP_METRICS[r.luneo.scenario];
  if (known) return [...known, ALL_REQUESTS];
  const all = [...Object.values(STEP_METRICS).flat(), ALL_REQUESTS].filter((s) => hasSummary(r, s.metric));
  if (all.length > 0) return all;
  // An Artillery output file from some other script: its own per-request names are all there is.
  const prefix = 'plugins.metrics-by-endpoint.response_time.';
  const byEndpoint = Object.keys(r.aggregate.summaries)
    .filter((k) => k.startsWith(prefix))
    .map((k) => ({ metric: k, title: k.slice(prefix.length) }));
  return [...byEndpoint, { metric: 'http.response_time', title: 'All HTTP responses' }];
}

export function buildCharts(r: ResultsFile): ChartSpec[] {
  const a = axisOf(r);
  const counters = counterNames(r);
  const charts: ChartSpec[] = [];
  const perSecond = 1 / PERIOD_SECONDS;

  const codes = counters.filter((k) => /^http\.codes\.\d+$/.test(k));
  charts.push(
    chart(
      { id: 'request-rate', group: 'Traffic', title: 'Request rate', subtitle: 'HTTP requests per second, each 10-second period; by response status', unit: 'per_s', x: a.x },
      colored([
        { label: 'requests/s', values: counters.includes('http.requests') ? counterValues(a, 'http.requests', perSecond) : a.x.map(() => null) },
        ...codes.map((k) => ({ label: `HTTP ${k.slice('http.codes.'.length)}`, values: counterValues(a, k, perSecond), dash: [6, 4] })),
      ]),
      'No HTTP requests were recorded.',
    ),
  );

  for (const step of stepsFor(r)) {
    charts.push(
      hideFarLimits(
        chart(
          { id: `latency-${step.metric}`, group: 'Latency per step', title: step.title, subtitle: withSubtitle(step.metric, r, step.metric), unit: 'ms', x: a.x },
          percentileSeries(a, step.metric).concat(hasSummary(r, step.metric) ? sloLines(r, a, step.metric) : []),
          `No ${step.metric} samples in this run.`,
        ),
      ),
    );
  }

  const kinds = errorKinds(counters);
  charts.push(
    chart(
      { id: 'errors', group: 'Errors', title: 'Errors and rate-limited requests by kind', subtitle: 'count per 10-second period', unit: 'count', x: a.x },
      colored(kinds.map((k) => ({ label: k.startsWith('errors.') ? `error: ${k.slice('errors.'.length)}` : k.replace(/^luneo_/, ''), values: counterValues(a, k) }))),
      'No errors and no rate-limited requests.',
      true,
    ),
  );

  const byAt = new Map(r.luneo.concurrency.map((p) => [p.at, p]));
  const at = a.periods.map((p) => byAt.get(Number(p.period)));
  const users = who(r);
  const profilePlan = planned(r, a, users);
  charts.push(
    chart(
      { id: 'concurrency', group: 'Concurrency', title: 'Concurrency reached', subtitle: `${users} alive: mean over each 10-second period and most at one second, all workers together, against the profile's plan (dotted); users waiting at a rate-limit gate send nothing`, unit: 'users', x: a.x },
      [
        // A quantity's mean and maximum share a colour; the maximum is dashed.
        { label: `${users} (mean)`, values: at.map((p) => (p ? p.users : null)), color: PALETTE[0] ?? '#0072B2' },
        { label: `${users} (most at once)`, values: at.map((p) => p?.usersMax ?? null), color: PALETTE[0] ?? '#0072B2', dash: [6, 4] },
        { label: 'waiting at a rate-limit gate (mean)', values: at.map((p) => (p?.held ? p.held : null)), color: PALETTE[3] ?? '#D55E00' },
        { label: 'renders in flight (mean)', values: at.map((p) => p?.rendersInFlight ?? null), color: PALETTE[2] ?? '#009E73' },
        { label: 'renders in flight (max sampled)', values: at.map((p) => p?.rendersInFlightMax ?? null), color: PALETTE[2] ?? '#009E73', dash: [6, 4] },
        // The profile's stages when the run recorded them; else the plan the workers sampled (an Artillery -o file).
        ...(profilePlan.length > 0 ? profilePlan : [{ label: 'planned (mean)', values: at.map((p) => p?.planned ?? null), color: PALETTE[1] ?? '#E69F00', dash: [2, 3] }]),
      ],
      'No concurrency samples in this run (the presence metrics were not recorded).',
    ),
  );

  const R = METRICS.render;
  // Render jobs: a flow that has them, or a file whose counters say so (an -o file of unknown scenario).
  if (flowOf(r.luneo.scenario)?.renderJobs === true || counters.some((k) => k.startsWith(FLOWS.render.metricPrefix))) {
    charts.push(
      chart(
        { id: 'render-jobs', group: 'Render jobs', title: 'Render job outcomes', subtitle: 'jobs per 10-second period', unit: 'jobs', x: a.x },
        [
          { label: 'enqueued', values: counterValues(a, R.jobsEnqueued), color: PALETTE[0] ?? '#0072B2' },
          { label: 'succeeded', values: counterValues(a, R.jobsSucceeded), color: PALETTE[2] ?? '#009E73' },
          { label: 'failed', values: counterValues(a, R.jobsFailed), color: PALETTE[3] ?? '#D55E00' },
          { label: 'timed out', values: counterValues(a, R.jobsTimedOut), color: PALETTE[1] ?? '#E69F00' },
          { label: 'lost', values: counterValues(a, R.jobsLost), color: PALETTE[4] ?? '#CC79A7' },
        ],
        'No render job finished in this run.',
        true,
      ),
    );
    charts.push(
      chart(
        { id: 'render-processing', group: 'Render jobs', title: 'Job processing time', subtitle: withSubtitle(`${R.jobProcessingMs} (enqueue to success)`, r, R.jobProcessingMs), unit: 'ms', x: a.x },
        percentileSeries(a, R.jobProcessingMs),
        'No render job succeeded, so there is no processing time.',
      ),
    );
  }

  const samples = [...(r.luneo.platformMetrics ?? [])].sort((p, q) => p.at - q.at);
  if (samples.length > 0) {
    const px = samples.map((s) => round((s.at - a.start) / 1000));
    const pick = (f: (s: (typeof samples)[number]) => number | undefined) => samples.map((s) => f(s) ?? null);
    charts.push(
      chart(
        { id: 'platform-queue', group: 'Platform metrics', title: 'Render queue', subtitle: 'the platform\'s own metrics (/api/v1/metrics), sampled during the run', unit: 'jobs', x: px },
        colored([
          // The platform files every job under BullMQ's prioritized state: waiting is waiting + prioritized + delayed.
          { label: 'waiting (incl. prioritized, delayed)', values: pick((s) => s.queueWaiting) },
          { label: 'active', values: pick((s) => s.queueActive) },
        ]),
        'The platform reported no queue depth.',
      ),
      chart(
        { id: 'platform-oldest', group: 'Platform metrics', title: 'Oldest waiting job', subtitle: 'age of the oldest waiting job, max over queues', unit: 's', x: px },
        colored([{ label: 'oldest waiting', values: pick((s) => s.oldestWaitingSec) }]),
        'The platform reported no waiting-job age.',
      ),
      chart(
        { id: 'platform-handshakes', group: 'Platform metrics', title: 'Embed handshakes (platform side)', subtitle: 'running totals as the platform counts them', unit: 'count', x: px },
        colored([
          { label: 'handshakes', values: pick((s) => s.handshakes) },
          { label: 'handshake failures', values: pick((s) => s.handshakeFailures) },
        ]),
        'The platform reported no handshake counts.',
      ),
    );
  }

  charts.push(...serverCharts(r, a.start));

  charts.push(
    chart(
      {
        id: 'generator',
        group: 'Load generator over time',
        title: 'Generator event-loop delay',
        subtitle: 'p99 over each second (monitor resolution taken off), worst worker, per 10-second period',
        unit: 'ms',
        x: a.x,
      },
      colored([{ label: 'event-loop delay p99', values: summaryValues(a, METRICS.generator.eventLoopDelayP99Ms, 'max') }]),
      'The generator did not report its event-loop delay.',
    ),
    chart(
      {
        id: 'saturation',
        group: 'Load generator over time',
        title: 'Generator saturation',
        subtitle: `seconds a worker was busy and late within the last ${GENERATOR_LIMITS.windowSeconds} s, worst worker, per 10-second period; the run is invalid from ${GENERATOR_LIMITS.maxSaturatedInWindowS} s`,
        unit: 's',
        x: a.x,
      },
      colored([{ label: `saturated s in ${GENERATOR_LIMITS.windowSeconds} s`, values: summaryValues(a, METRICS.generator.saturatedInWindowS, 'max') }]),
      'The generator did not report its saturation (a results file from before the per-worker tally).',
    ),
  );
  return charts;
}

function planned(r: ResultsFile, a: Axis, users: string): ChartSeries[] {
  const values = plannedConcurrency(r, a);
  return values ? [{ label: `${users} planned (profile, mean per period)`, values, color: PALETTE[7] ?? '#000000', dash: [3, 3], reference: true }] : [];
}

/** Charts the page draws (the rest show their note). */
export function drawnCharts(charts: readonly ChartSpec[]): ChartSpec[] {
  return charts.filter((c) => c.series.length > 0);
}

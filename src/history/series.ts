/**
 * Which figures of the history are series, which of them the gate judges,
 * and which way is worse. Latencies are judged on their logarithm: their
 * run-to-run noise is a share of their level, so a step of 10 % is the same
 * size at 40 ms as at 400 ms. Shares (error rate, success) are judged as
 * they are, with a smallest change worth failing a night for.
 */
import { FLOWS } from '../flows/index.ts';
import { METRICS } from '../metric-names.ts';

export interface SeriesSpec {
  key: string;
  label: string;
  unit: 'ms' | 'share' | 'req/s' | 'users' | 'jobs' | 's';
  /** which direction is a regression */
  worse: 'up' | 'down';
  /** judged on log values (relative steps) or as they are (absolute steps) */
  scale: 'log' | 'linear';
  /** the gate fails the night on a worse change of this series */
  gated: boolean;
  /** the smallest change the gate fails a night for: relative for log series, absolute for linear ones */
  minChange: number;
  /** for log series, also the smallest change in the series' own unit: 25 % of a 2-ms sandbox answer is no news */
  minAbsolute?: number;
}

/** Every flow's steps (src/flows/), render processing time, and all successful requests. */
const LATENCY_STEPS: readonly (readonly [string, string])[] = [
  ...Object.values(FLOWS).flatMap((f) => f.steps.map((s) => [s.metric, s.title.toLowerCase()] as const)),
  [METRICS.render.jobProcessingMs, 'render processing'],
  [METRICS.requests.okMs, 'all successful requests'],
];

/** A latency step of less than this is noise to a release gate, however significant. */
export const MIN_LATENCY_CHANGE = 0.03;
/** Nor is one of less than a millisecond: the sandbox answers in 2 ms, and a tenth of that is scheduling. */
export const MIN_LATENCY_CHANGE_MS = 1;

export const SERIES: readonly SeriesSpec[] = [
  ...LATENCY_STEPS.flatMap(([metric, label]) =>
    (['p50', 'p95', 'p99'] as const).map(
      // p95 only is gated: every gated series adds its own false alarms to the night's, and p99 of a short run is a few requests.
      (q): SeriesSpec => ({ key: `${metric}.${q}`, label: `${label} ${q}`, unit: 'ms', worse: 'up', scale: 'log', gated: q === 'p95', minChange: MIN_LATENCY_CHANGE, minAbsolute: MIN_LATENCY_CHANGE_MS }),
    ),
  ),
  { key: 'error_rate', label: 'error rate', unit: 'share', worse: 'up', scale: 'linear', gated: true, minChange: 0.002 },
  { key: 'handshake_success', label: 'handshake success', unit: 'share', worse: 'down', scale: 'linear', gated: true, minChange: 0.002 },
  { key: 'completion_rate', label: 'render completion', unit: 'share', worse: 'down', scale: 'linear', gated: true, minChange: 0.01 },
  { key: 'throughput_rps', label: 'throughput', unit: 'req/s', worse: 'down', scale: 'log', gated: false, minChange: 0.05 },
  { key: 'peak_users', label: 'concurrency reached', unit: 'users', worse: 'down', scale: 'linear', gated: false, minChange: 1 },
  { key: 'mean_users_busiest_10s', label: 'mean users, busiest 10 s', unit: 'users', worse: 'down', scale: 'linear', gated: false, minChange: 1 },
  { key: 'generator_busy_share', label: 'generator busy share', unit: 'share', worse: 'up', scale: 'linear', gated: false, minChange: 0.05 },
  { key: 'generator_loop_delay_p99_ms', label: 'generator loop delay p99', unit: 'ms', worse: 'up', scale: 'log', gated: false, minChange: 0.2 },
  { key: 'server.queue_waiting.max', label: 'render queue waiting, peak', unit: 'jobs', worse: 'up', scale: 'linear', gated: false, minChange: 1 },
  { key: 'server.queue_active.max', label: 'render queue active, peak', unit: 'jobs', worse: 'up', scale: 'linear', gated: false, minChange: 1 },
  { key: 'server.oldest_waiting_s.max', label: 'oldest waiting job, peak', unit: 's', worse: 'up', scale: 'linear', gated: false, minChange: 1 },
];

export function seriesSpec(key: string): SeriesSpec | undefined {
  return SERIES.find((s) => s.key === key);
}

/** The value the statistics work on: a latency's logarithm (floored at 1 µs), a share as it is. */
export function transform(spec: Pick<SeriesSpec, 'scale'>, v: number): number {
  return spec.scale === 'log' ? Math.log(Math.max(v, 1e-3)) : v;
}

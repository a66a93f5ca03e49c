/**
 * The platform's own Prometheus endpoint, read fully: prom-client's process
 * metrics for the API (CPU, memory, event-loop lag), its HTTP histogram and
 * counters, and the BullMQ queue gauges. The scrape itself is the platform
 * sampler's (src/export/platform-sampler.ts: one request per 10 s through
 * the process's rate-limit gate, with the load-test user's token), so the
 * endpoint is asked once, not once per consumer; this source turns each
 * scrape into readings. The platform runs its BullMQ worker inside the API
 * process, so the worker's CPU and memory are the API process's, and the
 * series say so.
 */
import { WAITING_STATES } from '../../export/platform-sampler.ts';
import { maxOf, select, sumOf, type PromText } from '../../export/prometheus-text.ts';
import { CounterDeltas, HistogramDeltas, histogramQuantile } from '../counters.ts';
import { SourceFailure, type Source } from '../observer.ts';
import { type Reading, Readings } from '../signals.ts';

export const IN_API_PROCESS = 'read off the API process: the platform runs its render worker inside it';

function buckets(p: PromText, name: string): [number, number][] {
  const byBound = new Map<number, number>();
  for (const s of select(p, `${name}_bucket`)) {
    const le = s.labels.le === undefined ? NaN : s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    if (Number.isNaN(le) || !Number.isFinite(s.value)) continue;
    byBound.set(le, (byBound.get(le) ?? 0) + s.value);
  }
  return [...byBound];
}

/** Readings from one scrape, against the previous one (`deltas` and `latency` keep that state). */
export function platformReadings(p: PromText, at: number, deltas: CounterDeltas, latency: HistogramDeltas): Reading[] {
  const r = new Readings(at);
  const add = r.add.bind(r);
  const cpu = deltas.rate('cpu', at, sumOf(p, 'process_cpu_seconds_total'));
  const rss = sumOf(p, 'process_resident_memory_bytes');
  add('api', 'cpu', cpu);
  add('api', 'memory', rss);
  add('api', 'event_loop_lag', (sumOf(p, 'nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000);
  // prom-client shows a labelled counter only once a request used its labels: absent so far is 0 so far.
  const requests = sumOf(p, 'http_requests_total') ?? 0;
  add('api', 'request_rate', deltas.rate('requests', at, requests));
  const serverErrors = select(p, 'http_requests_total').filter((s) => /^5/.test(s.labels.status_code ?? '')).reduce((a, s) => a + s.value, 0);
  add('api', 'error_rate', deltas.ratio('errors', at, serverErrors, requests));
  const period = latency.period(buckets(p, 'http_request_duration_seconds'));
  if (period) {
    add('api', 'latency_p95', (histogramQuantile(0.95, period) ?? NaN) * 1000);
    add('api', 'latency_p99', (histogramQuantile(0.99, period) ?? NaN) * 1000);
  }
  const states = (state: string) => sumOf(p, 'bullmq_queue_jobs_total', { state });
  const waiting = WAITING_STATES.map(states).filter((v): v is number => v !== undefined);
  if (waiting.length > 0) add('worker', 'queue_depth', waiting.reduce((a, b) => a + b, 0));
  add('worker', 'active_jobs', states('active'));
  add('worker', 'completion_rate', deltas.rate('completed', at, states('completed') ?? sumOf(p, 'luneo_renders_total')));
  add('worker', 'failure_rate', deltas.rate('failed', at, states('failed')));
  add('worker', 'oldest_waiting', maxOf(p, 'bullmq_queue_oldest_waiting_seconds'));
  // The same process: the figures are the API's.
  add('worker', 'cpu', cpu);
  add('worker', 'memory', rss);
  return r.list;
}

export interface PlatformFeed {
  /** the platform sampler still samples (it gave up with its own line otherwise) */
  readonly active: boolean;
}

/**
 * Fed by the platform sampler's scrapes (`push`); each observer sample
 * turns the scrapes received since the last one into readings.
 */
export class PlatformSource implements Source {
  readonly name = 'platform' as const;
  readonly target: string;
  readonly notes: string[] = [];
  readonly #feed: PlatformFeed;
  readonly #deltas = new CounterDeltas();
  readonly #latency = new HistogramDeltas();
  #pending: { at: number; scrape: PromText }[] = [];

  constructor(target: string, feed: PlatformFeed) {
    this.target = target;
    this.#feed = feed;
  }

  push(scrape: PromText, at: number): void {
    this.#pending.push({ at, scrape });
  }

  async open(): Promise<void> {}

  async sample(): Promise<Reading[]> {
    const scrapes = this.#pending;
    this.#pending = [];
    if (scrapes.length === 0 && !this.#feed.active) throw new SourceFailure('the platform sampler stopped', 'see its line above');
    // Scrapes arrive every 10 s and samples every 5: each scrape is read once, in order.
    return scrapes.flatMap((s) => platformReadings(s.scrape, s.at, this.#deltas, this.#latency));
  }

  noteFor(group: string, name: string): string | undefined {
    return group === 'worker' && (name === 'cpu' || name === 'memory') ? IN_API_PROCESS : undefined;
  }

  async close(): Promise<void> {}
}

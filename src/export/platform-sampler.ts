/**
 * Samples the platform's own Prometheus endpoint (dialect v1's
 * /api/v1/metrics) during a run, in Artillery's main thread, so the report
 * can show the queue and the handshakes as the platform saw them beside
 * what the load generator measured. It is an extra: whatever goes wrong
 * (no permission, no endpoint, slow answers) ends the sampling with one
 * line and never touches the run's outcome. It shares the process's
 * rate-limit gate with the load: while a Retry-After runs it skips its
 * sample rather than send, and a 429 it gets closes the gate for all.
 */
import { hostOf, RateLimitGate } from '../api/rate-limit-gate.ts';
import { retryAfterMs } from '../api/retry-after.ts';
import type { PlatformSample } from '../results/recorder.ts';
import { maxOf, parsePrometheusText, type PromText, sumOf } from './prometheus-text.ts';

export const SAMPLE_INTERVAL_MS = 10_000;
export const SAMPLE_TIMEOUT_MS = 2_000;
/** Server errors and 429s under load can be passing; this many in a row mean the endpoint is not coming back. */
export const MAX_CONSECUTIVE_ERRORS = 3;

/** The platform's names, from the API contract. */
export const PLATFORM_METRICS = {
  queueJobs: 'bullmq_queue_jobs_total',
  oldestWaiting: 'bullmq_queue_oldest_waiting_seconds',
  handshakes: 'luneo_embed_handshakes_total',
  handshakeFailures: 'luneo_embed_handshake_failures_total',
} as const;

function finite(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/** The BullMQ states of a job that is queued and not yet being processed. */
export const WAITING_STATES = ['waiting', 'prioritized', 'delayed'] as const;

/** Sum of the states present; undefined when none is. */
function finiteSum(values: (number | undefined)[]): number | undefined {
  const present = values.map(finite).filter((v): v is number => v !== undefined);
  return present.length === 0 ? undefined : present.reduce((a, b) => a + b, 0);
}

/** One PlatformSample from a scrape; undefined when the text carries none of the platform's metrics. */
export function toPlatformSample(text: string, at: number): PlatformSample | undefined {
  return platformSampleOf(parsePrometheusText(text), at);
}

function platformSampleOf(p: PromText, at: number): PlatformSample | undefined {
  const M = PLATFORM_METRICS;
  const fields = {
    // Every platform job gets a priority, so its backlog sits in BullMQ's `prioritized` state; `delayed` jobs wait too.
    queueWaiting: finiteSum(WAITING_STATES.map((state) => sumOf(p, M.queueJobs, { state }))),
    queueActive: finite(sumOf(p, M.queueJobs, { state: 'active' })),
    oldestWaitingSec: finite(maxOf(p, M.oldestWaiting)),
    handshakes: finite(sumOf(p, M.handshakes)),
    handshakeFailures: finite(sumOf(p, M.handshakeFailures)),
  };
  const sample: PlatformSample = { at };
  let any = false;
  for (const [k, v] of Object.entries(fields) as [keyof typeof fields, number | undefined][]) {
    if (v === undefined) continue;
    sample[k] = v;
    any = true;
  }
  return any ? sample : undefined;
}

export interface MetricsResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export type MetricsFetch = (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<MetricsResponse>;

export interface SamplerOptions {
  /** full URL of the metrics endpoint */
  url: string;
  /** a valid access token; rejects when the sampler cannot log in */
  accessToken: () => Promise<string>;
  onSample: (s: PlatformSample) => void;
  /** every scrape, parsed, for the server view (src/observe/sources/platform.ts) */
  onScrape?: (scrape: PromText, at: number) => void;
  /** where the one "unavailable" line goes */
  log: (line: string) => void;
  fetch?: MetricsFetch;
  /** the process's rate-limit gate (default: one of its own) */
  gate?: RateLimitGate;
  /** Retry-After without a usable header */
  defaultRetryAfterMs?: number;
  intervalMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

/** Thrown inside a scrape to end the sampling with this reason. */
class Unavailable extends Error {}

/** Thrown inside a scrape to skip this sample: the gate is closed (a Retry-After is running). */
class Skipped extends Error {}

export class PlatformSampler {
  readonly #o: Required<Omit<SamplerOptions, 'onScrape'>> & Pick<SamplerOptions, 'onScrape'>;
  #timer: ReturnType<typeof setInterval> | undefined;
  #inFlight: Promise<void> | undefined;
  #stopped = false;
  #errors = 0;

  constructor(options: SamplerOptions) {
    this.#o = {
      fetch: fetch as unknown as MetricsFetch,
      gate: options.gate ?? new RateLimitGate(),
      defaultRetryAfterMs: 1000,
      intervalMs: SAMPLE_INTERVAL_MS,
      timeoutMs: SAMPLE_TIMEOUT_MS,
      now: Date.now,
      ...options,
    };
  }

  get active(): boolean {
    return !this.#stopped;
  }

  /** One sample now, then one every interval until stop(). */
  start(): void {
    if (this.#stopped || this.#timer) return;
    void this.sampleOnce();
    this.#timer = setInterval(() => void this.sampleOnce(), this.#o.intervalMs);
    // The sampler must never be what keeps the process alive after a run.
    this.#timer.unref();
  }

  /** Takes one sample unless one is still on its way (a slow endpoint must not pile requests up). */
  sampleOnce(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#inFlight ??= this.#scrape().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** Ends the sampling; with `finalSample`, takes one last sample first so the series reaches the end of the run. */
  async stop(finalSample = false): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#inFlight) await this.#inFlight;
    if (finalSample) await this.sampleOnce();
    this.#stopped = true;
  }

  #giveUp(reason: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#o.log(`platform metrics unavailable: ${reason}`);
  }

  async #scrape(): Promise<void> {
    try {
      const at = this.#o.now();
      // Parsed once: the recorder's sample and the server view's readings both come from it.
      const parsed = parsePrometheusText(await this.#fetchText());
      const sample = platformSampleOf(parsed, at);
      if (!sample) throw new Unavailable(`${this.#o.url} exposes none of ${Object.values(PLATFORM_METRICS).join(', ')}`);
      this.#errors = 0;
      this.#o.onSample(sample);
      this.#o.onScrape?.(parsed, at);
    } catch (err) {
      if (err instanceof Skipped) return;
      if (err instanceof Unavailable) this.#giveUp(err.message);
      else if (++this.#errors >= MAX_CONSECUTIVE_ERRORS) this.#giveUp(`${MAX_CONSECUTIVE_ERRORS} failed attempts in a row, last: ${(err as Error).message}`);
    }
  }

  async #fetchText(): Promise<string> {
    const url = this.#o.url;
    // Closed by a Retry-After: not even a login for this sample.
    if (this.#o.gate.waitMs(hostOf(url)) > 0) throw new Skipped();
    let token: string;
    try {
      token = await this.#o.accessToken();
    } catch (err) {
      throw new Unavailable(`no access token (${(err as Error).message})`);
    }
    let res: MetricsResponse;
    let body: string;
    const ticket = this.#o.gate.tryPass(hostOf(url));
    if (!ticket) throw new Skipped();
    try {
      const signal = AbortSignal.timeout(this.#o.timeoutMs);
      res = await this.#o.fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/plain' }, signal });
      body = await res.text();
      const wait = res.status === 429 ? retryAfterMs(res.headers.get('retry-after') ?? undefined, { defaultRetryAfterMs: this.#o.defaultRetryAfterMs, maxRetryAfterMs: Infinity, maxRetries: 0 }) : 0;
      this.#o.gate.settle(ticket, res.status, wait);
    } catch (err) {
      this.#o.gate.release(ticket);
      const e = err as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new Unavailable(`${url} did not answer within ${this.#o.timeoutMs} ms`);
      throw new Error(`${url}: ${e.cause?.code ?? e.message}`);
    }
    if (res.status === 401 || res.status === 403) throw new Unavailable(`${url} answered HTTP ${res.status} (the load-test user may not read metrics)`);
    // The generators share the platform's per-IP rate limit with the load itself: a 429 here is the load's, not a refusal.
    if (res.status >= 500 || res.status === 429) throw new Error(`${url} answered HTTP ${res.status}`);
    if (res.status !== 200) throw new Unavailable(`${url} answered HTTP ${res.status}`);
    const type = res.headers.get('content-type') ?? '';
    if (!/^text\/plain\b|^application\/openmetrics-text\b/i.test(type)) {
      throw new Unavailable(`${url} answered ${type || 'without a content type'}, not Prometheus text`);
    }
    return body;
  }
}

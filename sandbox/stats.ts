import type { EarlyRetryExample, EmbedFailureReason, RouteName, SandboxStats } from './types.ts';

const EXAMPLES_KEPT = 100;

function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

/** Counters only; live queue figures are read from the render queue when a snapshot is taken. */
export class Stats {
  /** since the last reset */
  startedAt = Date.now();
  requestsTotal = 0;
  byRoute: Record<string, Record<string, number>> = {};
  rateLimitedTotal = 0;
  slowedDown = 0;
  concurrentLogin500 = 0;
  rateLimitedPerRoute: Record<string, number> = {};
  /** 429s given under a Retry-After to requests that arrived within the grace window: already on their way when it was sent */
  rateLimitedInFlight = 0;
  earlyRetriesTotal = 0;
  earlyRetriesPerRoute: Record<string, number> = {};
  earlyRetriesPerClient: Record<string, number> = {};
  earlyRetryExamples: EarlyRetryExample[] = [];
  tokensIssued = 0;
  validationsOk = 0;
  embedFailures: Record<EmbedFailureReason, number> = { invalid: 0, replayed: 0, origin_mismatch: 0, expired: 0, unauthorized: 0 };
  enqueued = 0;
  rejected = 0;
  completed = 0;
  failed = 0;
  processingCount = 0;
  processingSumMs = 0;
  processingMinMs = Infinity;
  processingMaxMs = 0;
  /** cumulative histogram counts for luneo_render_duration_seconds, one per bucket bound plus +Inf */
  durationBuckets: number[] = [];
  logins = 0;
  refreshes = 0;
  unauthorized = 0;
  widgetDocuments = 0;
  widgetLoaders = 0;
  latencyInjected = 0;
  errorsInjected = 0;
  nonJsonInjected = 0;
  resetsInjected = 0;
  forced429 = 0;
  tampered = 0;

  readonly bucketBoundsSec: readonly number[];

  constructor(bucketBoundsSec: readonly number[]) {
    this.bucketBoundsSec = bucketBoundsSec;
    this.durationBuckets = new Array<number>(bucketBoundsSec.length + 1).fill(0);
  }

  recordResponse(route: RouteName | 'unmatched', status: number): void {
    this.requestsTotal++;
    const perStatus = (this.byRoute[route] ??= {});
    perStatus[status] = (perStatus[status] ?? 0) + 1;
    if (status === 429) {
      this.rateLimitedTotal++;
      bump(this.rateLimitedPerRoute, route);
    }
  }

  recordEarlyRetry(route: RouteName, client: string, msEarly: number, now: number): void {
    this.earlyRetriesTotal++;
    bump(this.earlyRetriesPerRoute, route);
    bump(this.earlyRetriesPerClient, client);
    if (this.earlyRetryExamples.length >= EXAMPLES_KEPT) this.earlyRetryExamples.shift();
    this.earlyRetryExamples.push({ at: new Date(now).toISOString(), route, client, msEarly: Math.round(msEarly) });
  }

  embedFailure(reason: EmbedFailureReason): void {
    this.embedFailures[reason]++;
  }

  recordProcessing(ms: number): void {
    this.processingCount++;
    this.processingSumMs += ms;
    if (ms < this.processingMinMs) this.processingMinMs = ms;
    if (ms > this.processingMaxMs) this.processingMaxMs = ms;
    const sec = ms / 1000;
    const bounds = this.bucketBoundsSec;
    for (let i = 0; i < bounds.length; i++) if (sec <= bounds[i]!) this.durationBuckets[i]!++;
    this.durationBuckets[bounds.length]!++;
  }

  snapshot(live: { active: number; waiting: number; prioritized: number; oldestWaitingSec: number }, now: number): SandboxStats {
    const count = this.processingCount;
    return structuredClone({
      startedAt: new Date(this.startedAt).toISOString(),
      uptimeSec: Math.round((now - this.startedAt) / 100) / 10,
      requests: { total: this.requestsTotal, byRoute: this.byRoute },
      rateLimited: { total: this.rateLimitedTotal, perRoute: this.rateLimitedPerRoute, inFlight: this.rateLimitedInFlight },
      slowedDown: this.slowedDown,
      earlyRetries: {
        total: this.earlyRetriesTotal,
        perRoute: this.earlyRetriesPerRoute,
        perClient: this.earlyRetriesPerClient,
        examples: this.earlyRetryExamples,
      },
      embed: { tokensIssued: this.tokensIssued, validationsOk: this.validationsOk, failures: this.embedFailures },
      render: {
        enqueued: this.enqueued,
        rejected: this.rejected,
        completed: this.completed,
        failed: this.failed,
        active: live.active,
        waiting: live.waiting,
        prioritized: live.prioritized,
        oldestWaitingSec: live.oldestWaitingSec,
        processingMs: {
          count,
          sum: Math.round(this.processingSumMs),
          min: count === 0 ? 0 : Math.round(this.processingMinMs),
          max: Math.round(this.processingMaxMs),
          mean: count === 0 ? 0 : Math.round(this.processingSumMs / count),
        },
      },
      auth: { logins: this.logins, refreshes: this.refreshes, unauthorized: this.unauthorized, concurrentLogin500: this.concurrentLogin500 },
      widget: { documents: this.widgetDocuments, loaders: this.widgetLoaders },
      faults: {
        latencyInjected: this.latencyInjected,
        errorsInjected: this.errorsInjected,
        nonJsonInjected: this.nonJsonInjected,
        resetsInjected: this.resetsInjected,
        forced429: this.forced429,
        tampered: this.tampered,
      },
    });
  }
}

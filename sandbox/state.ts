import { AuthStore } from './auth.ts';
import type { Backing } from './backing.ts';
import { EmbedStore } from './embed.ts';
import { cloneFaults, defaultFaults, mergeFaults, parseFaultsPatch } from './faults.ts';
import { RENDER_DURATION_BUCKETS_SEC } from './metrics.ts';
import { BlockTracker, DecayingHitLimiter, FixedWindowLimiter, SLOW_DOWN } from './rate-limit.ts';
import { RenderQueue } from './render-queue.ts';
import { Stats } from './stats.ts';
import type { Faults, RouteName, SandboxOptions, SandboxStats } from './types.ts';

const PURGE_EVERY_MS = 5_000;

/** Everything both servers share; one per started sandbox. */
export class SandboxState {
  readonly options: SandboxOptions;
  readonly startedAt = Date.now();
  faults: Faults;
  stats: Stats;
  readonly embed: EmbedStore;
  readonly auth: AuthStore;
  readonly queue: RenderQueue;
  readonly limiter: FixedWindowLimiter | null;
  /** the development limiter (rateLimit.style throttler) */
  readonly throttler: DecayingHitLimiter | null;
  /** production's slow-down counter: past its limit a request is held, not refused */
  readonly slowDown: FixedWindowLimiter | null;
  readonly blocks = new BlockTracker();
  readonly apiKeys: ReadonlySet<string>;
  readonly activeShops: ReadonlySet<string>;
  /** render enqueues per v1 user, for render.quotaPerUser */
  readonly quotaUsed = new Map<string, number>();
  /** requests seen per route while failEvery applies to it: each sandbox its own, as tests run several in one process */
  readonly seenByRoute = new Map<RouteName, number>();
  /** set when the sandbox is backed by PostgreSQL, Redis and BullMQ */
  backing: Backing | undefined;
  apiUrl = '';
  widgetUrl = '';
  stopped = false;
  readonly #initialFaults: Faults;
  readonly #delays = new Map<NodeJS.Timeout, (completed: boolean) => void>();
  readonly #purgeTimer: NodeJS.Timeout;

  constructor(options: SandboxOptions) {
    this.options = options;
    this.#initialFaults = cloneFaults(options.faults);
    this.faults = cloneFaults(options.faults);
    this.stats = new Stats(RENDER_DURATION_BUCKETS_SEC);
    this.embed = new EmbedStore(options.signingSecret, options.nonceTtlSec, options.embedTokenTtlSec);
    this.auth = new AuthStore(options.users, options.signingSecret, options.accessTokenTtlSec, options.refreshTokenTtlSec, options.platform.strictRefreshRotation);
    this.queue = new RenderQueue(options.render, () => this.faults.jobs, () => this.stats);
    const rl = options.rateLimit;
    this.limiter = rl.limit > 0 && rl.style !== 'throttler' ? new FixedWindowLimiter(rl.limit, rl.windowSec) : null;
    this.throttler = rl.limit > 0 && rl.style === 'throttler' ? new DecayingHitLimiter(rl.limit, rl.windowSec) : null;
    this.slowDown = rl.slowDown ? new FixedWindowLimiter(SLOW_DOWN.afterRequests, SLOW_DOWN.windowSec) : null;
    this.apiKeys = new Set(options.apiKeys);
    this.activeShops = new Set(options.activeShops.map((s) => s.toLowerCase()));
    this.#purgeTimer = setInterval(() => this.#purge(), PURGE_EVERY_MS);
    this.#purgeTimer.unref();
  }

  /** Validates like the admin PATCH route; throws FaultsError on a bad shape. */
  patchFaults(input: unknown): Faults {
    this.faults = mergeFaults(this.faults, parseFaultsPatch(input));
    return this.faults;
  }

  /** PUT semantics: what the input leaves out falls back to no fault at all. */
  replaceFaults(input: unknown): Faults {
    this.faults = mergeFaults(defaultFaults(), parseFaultsPatch(input));
    return this.faults;
  }

  snapshot(): SandboxStats {
    const now = Date.now();
    return this.stats.snapshot(
      { active: this.queue.active, waiting: this.queue.waiting, prioritized: this.queue.prioritized, oldestWaitingSec: this.queue.oldestWaitingSec(now) },
      now,
    );
  }

  /** Zero the counters, forget rate-limit windows and blocks, restore the faults given at start; jobs keep running. */
  reset(): void {
    this.stats = new Stats(RENDER_DURATION_BUCKETS_SEC);
    this.limiter?.clear();
    this.throttler?.clear();
    this.slowDown?.clear();
    this.blocks.clear();
    this.quotaUsed.clear();
    this.seenByRoute.clear();
    this.faults = cloneFaults(this.#initialFaults);
  }

  /** A timer that stop() can cancel; resolves false when cancelled so the caller answers nothing. */
  delay(ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#delays.delete(timer);
        resolve(true);
      }, ms);
      timer.unref();
      this.#delays.set(timer, resolve);
    });
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.#purgeTimer);
    for (const [timer, resolve] of this.#delays) {
      clearTimeout(timer);
      resolve(false);
    }
    this.#delays.clear();
    this.queue.stop();
  }

  #purge(): void {
    const now = Date.now();
    this.embed.purge(now);
    this.auth.purge(now);
    this.limiter?.purge(now);
    this.throttler?.purge(now);
    this.slowDown?.purge(now);
    this.blocks.purge(now);
  }
}

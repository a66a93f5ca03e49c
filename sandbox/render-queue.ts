import type { Stats } from './stats.ts';
import type { Dialect, JobFaults, RenderOptions, RenderType } from './types.ts';

export type JobState = 'waiting' | 'active' | 'completed' | 'failed';

export interface RenderJob {
  /** global sequence number; its parity picks the response shapes */
  num: number;
  /** the id clients poll with: `job-N` (seed) or `render-N` (v1) */
  id: string;
  dialect: Dialect;
  type: RenderType;
  priority: number;
  format: string;
  state: JobState;
  enqueuedAt: number;
  startedAt: number;
  finishedAt: number;
  error: string | null;
  /** status polls so far, to cycle the seed dialect's running words */
  polls: number;
}

const FINISHED_KEPT = 100_000;

/**
 * A simulated BullMQ queue with `workerConcurrency` slots, FIFO. Each job is
 * one unref'd timer, so an idle sandbox costs nothing and never holds the
 * process open.
 */
export class RenderQueue {
  readonly #jobs = new Map<string, RenderJob>();
  /** waiting jobs from #head on; compacted now and then instead of shift() per job */
  #waiting: RenderJob[] = [];
  #head = 0;
  #finished: string[] = [];
  #finishedHead = 0;
  #active = 0;
  /** jobs started, for jobs.failEvery */
  #started = 0;
  #seq = 0;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #options: RenderOptions;
  readonly #faults: () => JobFaults;
  readonly #stats: () => Stats;
  #stopped = false;

  constructor(options: RenderOptions, faults: () => JobFaults, stats: () => Stats) {
    this.#options = options;
    this.#faults = faults;
    this.#stats = stats;
  }

  /** set by the backed sandbox: jobs go to a real BullMQ queue, whose worker calls begin() and end() */
  #runner: ((job: RenderJob) => void) | undefined;
  /** jobs handed to the runner and not yet begun, oldest first */
  readonly #submitted = new Set<RenderJob>();

  get waiting(): number {
    return this.#waiting.length - this.#head + this.#submitted.size;
  }

  /** Hands every job enqueued from now on to `runner` instead of the local timers. */
  useRunner(runner: (job: RenderJob) => void): void {
    this.#runner = runner;
  }

  get active(): number {
    return this.#active;
  }

  /** waiting jobs that carry a priority: BullMQ keeps them in its `prioritized` state, not `waiting` */
  #prioritizedWaiting = 0;

  get prioritized(): number {
    return this.#prioritizedWaiting;
  }

  /** Resolves when the job has finished (a synchronous render waits for this). */
  finished(job: RenderJob): Promise<void> {
    if (job.state === 'completed' || job.state === 'failed') return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.#onFinish.get(job.id) ?? [];
      list.push(resolve);
      this.#onFinish.set(job.id, list);
    });
  }

  readonly #onFinish = new Map<string, Array<() => void>>();

  oldestWaitingSec(now: number): number {
    const oldest = this.#waiting[this.#head] ?? this.#submitted.values().next().value;
    return oldest === undefined ? 0 : Math.round((now - oldest.enqueuedAt) / 100) / 10;
  }

  isFull(): boolean {
    return this.waiting >= this.#options.queueLimit;
  }

  enqueue(dialect: Dialect, type: RenderType, priority: number, format: string, now: number): RenderJob {
    const num = ++this.#seq;
    const job: RenderJob = {
      num,
      id: dialect === 'v1' ? `render-${num}` : `job-${num}`,
      dialect,
      type,
      priority,
      format,
      state: 'waiting',
      enqueuedAt: now,
      startedAt: 0,
      finishedAt: 0,
      error: null,
      polls: 0,
    };
    this.#jobs.set(job.id, job);
    if (priority > 0) this.#prioritizedWaiting++;
    this.#stats().enqueued++;
    if (this.#runner) {
      this.#submitted.add(job);
      this.#runner(job);
      return job;
    }
    this.#waiting.push(job);
    this.#startNext();
    return job;
  }

  get(id: string): RenderJob | undefined {
    return this.#jobs.get(id);
  }

  stop(): void {
    this.#stopped = true;
    for (const list of this.#onFinish.values()) for (const resolve of list) resolve();
    this.#onFinish.clear();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #startNext(): void {
    while (!this.#stopped && this.#active < this.#options.workerConcurrency && this.#head < this.#waiting.length) {
      const job = this.#waiting[this.#head++]!;
      if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
        this.#waiting = this.#waiting.slice(this.#head);
        this.#head = 0;
      }
      const { ms, fails } = this.begin(job);
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.end(job, fails);
      }, ms);
      timer.unref();
      this.#timers.add(timer);
    }
  }

  /** A worker takes the job: how long it will take and whether it will fail, from the options and the faults. */
  begin(job: RenderJob): { ms: number; fails: boolean } {
    const faults = this.#faults();
    const [min, max] = this.#options.processingMs[job.type];
    let ms = (min + Math.random() * (max - min)) * this.#options.timeFactor;
    if (faults.slow !== null && Math.random() < faults.slow.fraction) ms *= faults.slow.factor;
    const nth = ++this.#started;
    const fails = (faults.failEvery !== null && nth % faults.failEvery === 0) || Math.random() < faults.failureRate;
    if (job.priority > 0) this.#prioritizedWaiting--;
    this.#submitted.delete(job);
    job.state = 'active';
    job.startedAt = Date.now();
    this.#active++;
    return { ms, fails };
  }

  /** The worker is done with the job. */
  end(job: RenderJob, fails: boolean): void {
    const now = Date.now();
    this.#active--;
    job.finishedAt = now;
    const stats = this.#stats();
    stats.recordProcessing(now - job.startedAt);
    if (fails) {
      job.state = 'failed';
      job.error = `Render worker failed: simulated ${job.type} render failure (sandbox fault jobs.failureRate or jobs.failEvery)`;
      stats.failed++;
    } else {
      job.state = 'completed';
      stats.completed++;
    }
    for (const resolve of this.#onFinish.get(job.id) ?? []) resolve();
    this.#onFinish.delete(job.id);
    this.#finished.push(job.id);
    if (this.#finished.length - this.#finishedHead > FINISHED_KEPT) {
      this.#jobs.delete(this.#finished[this.#finishedHead++]!);
      if (this.#finishedHead > 1024 && this.#finishedHead * 2 > this.#finished.length) {
        this.#finished = this.#finished.slice(this.#finishedHead);
        this.#finishedHead = 0;
      }
    }
    this.#startNext();
  }
}

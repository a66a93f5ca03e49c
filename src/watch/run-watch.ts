/**
 * What the operator sees and can rely on while a run goes, in Artillery's
 * main thread: the 10-second status line, the abort switch, both fed by
 * the periods Artillery reports, and the observer that samples the server
 * (src/observe) when an observe variable (src/observe/variables.ts) or the platform's own
 * metrics give it a source. The plugin only wires this up.
 */
import { decodeStages } from '../load/stages.ts';
import type { Stage } from '../load/model.ts';
import { STEP_METRICS } from '../report/charts.ts';
import { METRICS } from '../metric-names.ts';
import { abortEnabled, NO_ABORT_VARIABLE, p95Slos } from '../verdict/abort.ts';
import { ConfigError, environmentsDir, loadSettings } from '../config/environments.ts';
import { readRunInfo, type RunInfo } from '../before/info.ts';
import { completeAbortedRun, AbortSwitch, type AbortSwitchOptions, type RawPeriod } from './abort-switch.ts';
import { statusLine } from './status-line.ts';
import type { Env } from '../config/env.ts';
import type { RunSettings } from '../config/environments.ts';
import type { Observer, Source } from '../observe/observer.ts';
import type { ServerSection } from '../observe/signals.ts';
import type { PlatformSource } from '../observe/sources/platform.ts';
import { serverStatus } from '../observe/status.ts';
import { OBSERVE_SECRET_VARIABLES } from '../observe/variables.ts';


export interface RunWatchOptions {
  scenario: string;
  /** the scenario file, to find environments/ as the before hook does */
  scriptPath: string | undefined;
  ensure: unknown;
  log: (line: string) => void;
  shutdown: AbortSwitchOptions['shutdown'] | undefined;
  env?: Env;
  /** what a driver's message might carry (a DSN) comes out of every line */
  redact?: (text: string) => string;
  /** the platform's /metrics as the plugin's sampler reads it, when it does */
  platform?: () => PlatformSource | undefined;
}

export class RunWatch {
  readonly #o: RunWatchOptions;
  #run: RunInfo | undefined;
  #stages: Stage[] | undefined;
  #abortSwitch: AbortSwitch | undefined;
  #observer: Promise<Observer | undefined> | undefined;
  /** the environment's settings, handed to the results when the run ends (server thresholds, think time) */
  #settings: RunSettings | undefined;
  /** the observer once started, for the status line */
  #latestObserver: Observer | undefined;
  #started = false;

  constructor(o: RunWatchOptions) {
    this.#o = o;
  }

  get abortSwitch(): AbortSwitch | undefined {
    return this.#abortSwitch;
  }

  /** At the first phase: the before hook has run, so the environment and the profile are known. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const env = this.#o.env ?? process.env;
    this.#run = readRunInfo();
    if (!this.#run) return;
    try {
      this.#stages = decodeStages(this.#run.stages);
    } catch {
      this.#stages = undefined;
    }
    let settings;
    try {
      settings = loadSettings(this.#run.environment, environmentsDir(this.#o.scriptPath, env), env);
    } catch (err) {
      // The before hook read the same file a moment ago; should it have gone since, the run goes on without the switch.
      this.#o.log(`abort switch off: ${err instanceof ConfigError ? err.message.split('\n')[0] : String(err)}`);
      return;
    }
    this.#observer = this.#startObserver(settings, env);
    this.#settings = settings;
    const limits = settings.abort;
    if (!abortEnabled(settings, env)) {
      const why = env[NO_ABORT_VARIABLE]?.trim() ? `${NO_ABORT_VARIABLE} is set` : `not enabled for ${settings.environment} (abort.enabled in its environment file)`;
      this.#o.log(`abort switch off: ${why}`);
      return;
    }
    if (!this.#o.shutdown) {
      this.#o.log('abort switch off: this Artillery has no graceful shutdown to call');
      return;
    }
    this.#abortSwitch = new AbortSwitch({
      limits,
      ensure: this.#o.ensure,
      epochMs: () => this.#run?.epochMs,
      shutdown: this.#o.shutdown,
      log: this.#o.log,
    });
    const slos = p95Slos(this.#o.ensure).size;
    this.#o.log(
      `abort switch on: the run stops when the error rate is above ${limits.errorRate * 100} %` +
        `${slos > 0 ? ` or a step's p95 is above ${limits.p95OverSlo} × its SLO` : ''} for ${limits.periods} periods of 10 s in a row (${NO_ABORT_VARIABLE}=1 switches it off)`,
    );
  }

  /**
   * The drivers load only here, in the one process that observes, and only
   * when a source is set: a worker, or a run with no source, never loads pg,
   * ioredis or BullMQ.
   */
  async #startObserver(settings: RunSettings, env: Env): Promise<Observer | undefined> {
    const sources: Source[] = [];
    const platform = this.#o.platform?.();
    if (platform) sources.push(platform);
    if (OBSERVE_SECRET_VARIABLES.some((name) => env[name]?.trim())) {
      const { observeSources } = await import('../observe/sources/index.ts');
      sources.push(...observeSources(settings.observe, env));
    }
    if (sources.length === 0) return undefined;
    const { Observer } = await import('../observe/observer.ts');
    const observer = new Observer({ sources, log: this.#o.log, redact: this.#o.redact ?? ((t) => t) });
    this.#o.log(`observing the server: ${sources.map((s) => `${s.name} (${s.target})`).join(', ')}`);
    void observer.start();
    this.#latestObserver = observer;
    return observer;
  }

  onStats(p: RawPeriod): void {
    const steps = [...(STEP_METRICS[this.#o.scenario] ?? []).map((s) => s.metric), METRICS.requests.allMs];
    const input: Parameters<typeof statusLine>[0] = { period: p, now: Date.now(), steps };
    const server = this.#latestObserver ? serverStatus(this.#latestObserver) : undefined;
    if (server) input.server = server;
    if (this.#run) input.epochMs = this.#run.epochMs;
    if (this.#stages) input.stages = this.#stages;
    this.#o.log(`status ${statusLine(input)}`);
    this.#abortSwitch?.onStats(p);
  }

  /** Before the results are written: an aborted run gets its aggregate, checks and phases as far as it went. */
  async beforeFinish(rec: Parameters<typeof completeAbortedRun>[1] & { server?: ServerSection; settings?: RunSettings }): Promise<void> {
    if (this.#abortSwitch) await completeAbortedRun(this.#abortSwitch, rec);
    const observer = await this.#observer;
    if (observer) rec.server = await observer.stop();
    if (this.#settings) rec.settings = this.#settings;
  }
}

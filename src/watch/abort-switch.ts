/**
 * The abort switch in Artillery's main thread: watches each 10-second
 * period (abort rules in src/verdict/abort.ts), and on a breach stops the
 * run through Artillery's own graceful shutdown, which stops every local
 * worker (and, on Fargate, each worker's own `artillery run`). An early
 * stop brings no final report, so the whole-run aggregate and the checks
 * are rebuilt here from the periods received, and the results and reports
 * are written as after any run.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { redact, secretsFromEnv } from '../api/credentials.ts';
import { type AbortRecord, AbortRules, type AbortSettings, p95Slos, phasesUntil } from '../verdict/abort.ts';
import { EXIT } from '../verdict/exit-codes.ts';
import { PERIOD_SECONDS, type PeriodReport, type PhaseRecord, type Summary } from '../verdict/summary.ts';

/** A period as Artillery's launcher emits it to plugins: summaries plus the mergeable histograms. */
export interface RawPeriod extends PeriodReport {
  histograms?: Record<string, unknown>;
}

interface Ssms {
  pack(periods: RawPeriod[]): RawPeriod & { histograms: Record<string, unknown> };
  summarizeHistogram(h: unknown): Summary;
}

interface ShutdownOptions {
  earlyStop: boolean;
  exitCode: number;
}

export interface AbortSwitchOptions {
  limits: AbortSettings;
  /** the scenario's `config.ensure`: its p95 thresholds are the SLOs */
  ensure: unknown;
  /** epoch ms the load started (the profile's time zero), for "n s into the load" */
  epochMs: () => number | undefined;
  shutdown: (opts: ShutdownOptions) => void;
  log: (line: string) => void;
}

export class AbortSwitch {
  readonly #o: AbortSwitchOptions;
  readonly #watch: AbortRules;
  readonly #periods: RawPeriod[] = [];
  /** set once, when the switch stops the run: the verdict's `abort` input */
  abort: AbortRecord | undefined;

  constructor(o: AbortSwitchOptions) {
    this.#o = o;
    this.#watch = new AbortRules(o.limits, p95Slos(o.ensure));
  }

  /** Every period Artillery reports, in order. */
  onStats(p: RawPeriod): void {
    this.#periods.push(p);
    const decision = this.#watch.onPeriod(p);
    if (!decision) return;
    const at = Date.now();
    const epoch = this.#o.epochMs();
    this.abort = { reason: decision.reason, at, ...(epoch !== undefined ? { elapsedSec: (at - epoch) / 1000 } : {}) };
    this.#o.log(`ABORTING the run: ${redact(decision.reason, secretsFromEnv())}. Stopping every worker; results and reports are still written (LUNEO_NO_ABORT=1 switches the abort switch off).`);
    this.#o.shutdown({ earlyStop: true, exitCode: EXIT.aborted });
  }

  /** The end of the last period received (epoch ms): what the rebuilt aggregate covers. */
  coveredUntil(): number | undefined {
    const last = this.#periods.at(-1);
    return last === undefined ? undefined : Number(last.period) + PERIOD_SECONDS * 1000;
  }

  /** The whole-run aggregate from the periods received, as Artillery would have summed them. */
  async aggregate(): Promise<PeriodReport> {
    const ssms = await loadSsms();
    const packed = ssms.pack(this.#periods.map((p) => ({ ...p })));
    const summaries: Record<string, Summary> = {};
    for (const [name, h] of Object.entries(packed.histograms)) summaries[name] = ssms.summarizeHistogram(h);
    // Artillery first emits vusers.failed when a user finishes; users who stay the whole run have not yet
    // at an abort, and ensure would fail every check that reads the missing counter. None failed: 0.
    const counters = { 'vusers.failed': 0, ...packed.counters };
    const out: PeriodReport = { counters, rates: packed.rates ?? {}, summaries };
    if (packed.period !== undefined) out.period = packed.period;
    if (typeof packed.firstMetricAt === 'number') out.firstMetricAt = packed.firstMetricAt;
    if (typeof packed.lastMetricAt === 'number') out.lastMetricAt = packed.lastMetricAt;
    return out;
  }

}

async function loadSsms(): Promise<Ssms> {
  // Artillery exports no path to its metrics code; its package directory is stable within the pinned version.
  const dir = path.dirname(createRequire(import.meta.url).resolve('artillery/package.json'));
  const mod = (await import(pathToFileURL(path.join(dir, 'dist', 'lib', 'core', 'ssms.js')).href)) as { SSMS: Ssms };
  return mod.SSMS;
}

/** What the plugin hands the recorder after an abort, so the results describe the run as far as it went. */
export async function completeAbortedRun(
  ks: AbortSwitch,
  rec: { aggregate?: PeriodReport; phases: PhaseRecord[]; abort?: AbortRecord; onDone(s: unknown): void },
): Promise<void> {
  if (!ks.abort) return;
  rec.abort = ks.abort;
  if (rec.aggregate) return;
  const aggregate = await ks.aggregate();
  rec.onDone(aggregate);
  const until = ks.coveredUntil();
  if (until !== undefined) rec.phases.splice(0, rec.phases.length, ...phasesUntil(rec.phases, until));
}

/**
 * Collects a run as the luneo plugin sees it in Artillery's main thread,
 * and at the end writes the results file, prints the verdict and returns
 * the exit code. The file keeps Artillery's own `-o` shape (aggregate,
 * intermediate) and adds a `luneo` section with the verdict, the
 * generator's health, the load delivered and the concurrency reached, all
 * computed from the combined metrics (summarizeMetrics), as they are for
 * an Artillery `-o` file or a distributed run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Env } from '../config/env.ts';
import { FLOWS, flowOf } from '../flows/index.ts';
import { historyLines, type HistorySection, judgeRun } from '../history/judge-run.ts';
import { METRICS } from '../metric-names.ts';
import { evaluate, splitCheck } from '../verdict/check-values.ts';
import { type EnsureSpec, judgeThresholds } from '../verdict/thresholds.ts';
import type { ServerSection } from '../observe/signals.ts';
import { type Diagnosis, diagnose } from '../diagnosis/diagnose.ts';
import { type WorkerCapacity, workerCapacity } from '../diagnosis/worker-capacity.ts';
import { serverChecks } from '../observe/thresholds.ts';
import type { RunSettings } from '../config/environments.ts';
import { redact, secretsFromEnv } from '../api/credentials.ts';
import { redactDeep } from '../report/redaction.ts';
import { readRunInfo, type RunInfo } from '../before/info.ts';
import {
  type Check,
  concurrencySeries,
  type ConcurrencyPoint,
  type GeneratorHealth,
  PERIOD_SECONDS,
  type PeriodReport,
  type PhaseRecord,
  type Verdict,
  validity,
  verdict,
  verdictHeadline,
} from '../verdict/summary.ts';
import type { AbortRecord } from '../verdict/abort.ts';
import type { LoadDelivery } from '../verdict/load-delivered.ts';
import type { RateLimiting } from '../verdict/rate-limited.ts';

/** Each flow's results file (the requirements' names for embed and render): src/flows/. */
export const RESULT_FILES: Record<string, string> = Object.fromEntries(Object.values(FLOWS).map((f) => [f.name, f.resultsFile]));

export function resultsDir(env: Env = process.env): string {
  return path.resolve(env.LUNEO_RESULTS_DIR?.trim() || 'results');
}

export function resultsFile(scenario: string, env: Env = process.env): string {
  return path.join(resultsDir(env), RESULT_FILES[scenario] ?? `${scenario}-load-test-results.json`);
}

export interface CheckRow extends Check {
  limit?: number;
  op?: string;
  measured?: number;
}

/** One sample of the platform's own Prometheus metrics (dialect v1's /api/v1/metrics), taken during the run. */
export interface PlatformSample {
  /** epoch ms */
  at: number;
  /** bullmq_queue_jobs_total in the waiting, prioritized and delayed states (jobs not yet processed), summed over queues */
  queueWaiting?: number;
  queueActive?: number;
  /** bullmq_queue_oldest_waiting_seconds, max over queues */
  oldestWaitingSec?: number;
  /** luneo_embed_handshakes_total */
  handshakes?: number;
  /** luneo_embed_handshake_failures_total, summed over reasons */
  handshakeFailures?: number;
}

export interface LuneoSection {
  scenario: string;
  run?: RunInfo;
  verdict: Verdict;
  checks: CheckRow[];
  generator: GeneratorHealth;
  delivery: LoadDelivery;
  rateLimiting: RateLimiting;
  concurrency: ConcurrencyPoint[];
  /** highest mean concurrency over a 10-second period, all workers */
  peakUsers: number;
  /** most users alive at once, all workers together (older files: on one worker) */
  peakUsersSampled: number;
  /** workers that ran users (each reports once): local threads, Fargate tasks or Lambda functions; absent in older files */
  workers?: number;
  /** the thresholds the checks were judged by (the scenario's `config.ensure` as the run had it) */
  thresholds?: EnsureSpec;
  /** where the thresholds came from when the file did not record them (an Artillery `-o` file) */
  checksFrom?: string;
  peakRendersInFlight?: number;
  /** the platform's own metrics sampled during the run, when the target exposes them */
  platformMetrics?: PlatformSample[];
  /** the server seen from its own sources during the run (src/observe), when any was configured */
  server?: ServerSection;
  /** why the run degraded, ranked (src/diagnosis); empty findings for a healthy run */
  diagnosis?: Diagnosis;
  /** a render run: the workers' capacity by Little's law (src/diagnosis/worker-capacity.ts) */
  workerCapacity?: WorkerCapacity;
  /** the run judged against its history (src/history/), where it had one */
  history?: HistorySection;
}

export interface ResultsFile {
  aggregate: PeriodReport;
  intermediate: PeriodReport[];
  luneo: LuneoSection;
}

export interface RunRecorder {
  onStats(s: unknown): void;
  onPhase(p: unknown): void;
  onDone(s: unknown): void;
  readonly scenario: string;
  /** the scenario's `config.ensure`, judged over the aggregate when the run ends */
  readonly thresholds: EnsureSpec | undefined;
  readonly phases: PhaseRecord[];
  readonly intermediate: PeriodReport[];
  aggregate?: PeriodReport;
  platformMetrics: PlatformSample[];
  /** what the observer saw of the server, set when it stops */
  server?: ServerSection;
  /** the environment's settings, once the run began: its server-side thresholds (judged over the hold), the think time the capacity plan uses */
  settings?: RunSettings;
  /** the abort switch's record, when it stopped the run */
  abort?: AbortRecord;
}

function toReport(s: unknown): PeriodReport {
  const r = (s ?? {}) as Partial<PeriodReport> & Record<string, unknown>;
  const out: PeriodReport = { counters: { ...(r.counters ?? {}) }, rates: { ...(r.rates ?? {}) }, summaries: { ...(r.summaries ?? {}) } };
  if (r.period !== undefined) out.period = r.period;
  if (typeof r.firstMetricAt === 'number') out.firstMetricAt = r.firstMetricAt;
  if (typeof r.lastMetricAt === 'number') out.lastMetricAt = r.lastMetricAt;
  return out;
}

export function createRecorder(opts: { scenario: string; phases: readonly unknown[]; thresholds?: EnsureSpec }): RunRecorder {
  const phases: PhaseRecord[] = opts.phases.map((p, index) => ({ ...(p as Omit<PhaseRecord, 'index'>), index }));
  const rec: RunRecorder = {
    scenario: opts.scenario,
    thresholds: opts.thresholds,
    phases,
    intermediate: [],
    platformMetrics: [],
    onStats(s) {
      rec.intermediate.push(toReport(s));
    },
    onPhase(p) {
      const ph = p as PhaseRecord;
      const target = phases[ph.index];
      if (!target) return;
      if (typeof ph.startTime === 'number') target.startTime = ph.startTime;
      if (typeof ph.endTime === 'number') target.endTime = ph.endTime;
    },
    onDone(s) {
      rec.aggregate = toReport(s);
    },
  };
  return rec;
}

/** The checks table: each check with its limit and the value measured over the aggregate. */
export function checkRows(checks: readonly Check[], aggregate: PeriodReport): CheckRow[] {
  return checks.map((c) => {
    const parts = splitCheck(c.expression);
    if (!parts) return { ...c };
    if (c.measured !== undefined || c.unmeasured) return { ...c, limit: parts.limit, op: parts.op };
    const measured = evaluate(parts.left, aggregate);
    return measured === undefined ? { ...c, limit: parts.limit, op: parts.op } : { ...c, limit: parts.limit, op: parts.op, measured };
  });
}

/**
 * The luneo section from Artillery's combined metrics and the checks: the
 * one computation behind every verdict, whatever ran the load.
 */
export function summarizeMetrics(
  input: { scenario: string; aggregate: PeriodReport; intermediate: readonly PeriodReport[]; checks: readonly Check[]; phases?: GeneratorHealth['phases']; abort?: AbortRecord },
): LuneoSection {
  const v = validity(input.aggregate, input.intermediate, input.phases);
  const concurrency = concurrencySeries(input.intermediate);
  const luneo: LuneoSection = {
    scenario: input.scenario,
    verdict: verdict(input.abort ? { checks: input.checks, validity: v, abort: input.abort } : { checks: input.checks, validity: v }),
    checks: checkRows(input.checks, input.aggregate),
    generator: v.generator,
    delivery: v.delivery,
    rateLimiting: v.rateLimiting,
    concurrency,
    peakUsers: concurrency.reduce((m, p) => Math.max(m, p.users), 0),
    peakUsersSampled: concurrency.reduce((m, p) => Math.max(m, p.usersMax ?? 0), 0),
  };
  const workers = input.aggregate.counters[METRICS.load.workers];
  if (workers !== undefined) luneo.workers = workers;
  if (concurrency.some((p) => p.rendersInFlightMax !== undefined)) {
    luneo.peakRendersInFlight = concurrency.reduce((m, p) => Math.max(m, p.rendersInFlightMax ?? 0), 0);
  }
  return luneo;
}

function phaseRows(phases: readonly PhaseRecord[]): GeneratorHealth['phases'] {
  return phases.map((p) => {
    const setMs = (p.duration ?? p.pause ?? 0) * 1000;
    const tookMs = p.startTime !== undefined && p.endTime !== undefined ? p.endTime - p.startTime : undefined;
    const name = p.name ?? `phase ${p.index + 1}`;
    return tookMs === undefined ? { name, setMs } : { name, setMs, tookMs };
  });
}

export function summarize(rec: RunRecorder): ResultsFile {
  const aggregate = rec.aggregate ?? { counters: {}, summaries: {} };
  const checks = [...judgeThresholds(rec.thresholds, aggregate), ...serverChecks(rec.settings?.observe.thresholds, rec.server, holdWindow(rec.intermediate))];
  const luneo = summarizeMetrics({ scenario: rec.scenario, aggregate, intermediate: rec.intermediate, checks, phases: phaseRows(rec.phases), ...(rec.abort ? { abort: rec.abort } : {}) });
  if (rec.thresholds) luneo.thresholds = rec.thresholds;
  const run = readRunInfo();
  if (run) luneo.run = run;
  if (rec.platformMetrics.length > 0) luneo.platformMetrics = rec.platformMetrics;
  if (rec.server) luneo.server = rec.server;
  const results = { aggregate, intermediate: rec.intermediate, luneo };
  luneo.diagnosis = diagnose(results);
  const capacity = workerCapacity(results, rec.settings);
  if (capacity) luneo.workerCapacity = capacity;
  return { aggregate, intermediate: rec.intermediate, luneo };
}

function fmt(n: number | undefined): string {
  if (n === undefined) return '–';
  if (Math.abs(n) < 10 && !Number.isInteger(n)) return n.toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function verdictText(r: ResultsFile): string {
  const l = r.luneo;
  const run = l.run ? `${l.run.scenario}, ${l.run.environment}, dialect ${l.run.dialect}, profile ${l.run.profile}` : l.scenario;
  const width = Math.max(20, ...l.checks.map((c) => (splitCheck(c.expression)?.left ?? c.expression).length));
  const lines = [`\nVerdict: ${verdictHeadline(l.verdict)}  (${run})`, `  ${'check'.padEnd(width)}  ${'limit'.padStart(10)}  ${'measured'.padStart(10)}  result`];
  for (const c of l.checks) {
    const left = splitCheck(c.expression)?.left ?? c.expression;
    lines.push(`  ${left.padEnd(width)}  ${`${c.op ?? ''} ${fmt(c.limit)}`.padStart(10)}  ${(c.unmeasured ? 'not measured' : fmt(c.measured)).padStart(10)}  ${c.unmeasured ? 'NOT MEASURED' : c.passed ? 'ok' : 'FAIL'}`);
  }
  if (l.checksFrom) lines.push(`  (thresholds from ${l.checksFrom}, checked over Artillery's combined metrics)`);
  lines.push(`  generator: ${generatorSummary(l.generator)}`);
  if (l.delivery) lines.push(`  load delivered: ${deliverySummary(l.delivery)}`);
  if (l.rateLimiting) {
    const rl = l.rateLimiting;
    lines.push(`  rate limited: ${rl.rateLimited} of ${rl.requests} requests (${(100 * rl.share).toFixed(1)} %)${rl.limited ? ' INVALID' : ''}`);
  }
  const who = flowOf(l.scenario)?.users.many ?? 'users';
  lines.push(
    `  concurrency reached: ${l.peakUsersSampled} ${who} at once (all ${l.workers !== undefined ? `${l.workers} ` : ''}workers), ${l.peakUsers} on average over the busiest 10 s` +
      `${l.peakRendersInFlight !== undefined ? `; up to ${l.peakRendersInFlight} renders in flight` : ''}${l.run ? `; profile peak ${l.run.peakUsers}` : ''}`,
  );
  if (l.history) lines.push(...historyLines(l.history));
  for (const reason of l.verdict.reasons) lines.push(`  - ${reason}`);
  if (l.workerCapacity) lines.push(`  ${l.workerCapacity.text}`);
  if (l.diagnosis) lines.push(...diagnosisLines(l.diagnosis));
  return lines.join('\n');
}

/** Why, for the console: the summary sentence, then each finding ranked, then what could not be seen. */
export function diagnosisLines(d: Diagnosis): string[] {
  const lines = [`  why: ${d.summary}`];
  d.findings.forEach((f, i) => lines.push(`    ${i + 1}. ${f.component} (${f.signal}): ${f.evidence}; ${f.remedy}`));
  if (d.findings.length > 0 || d.degradation) for (const u of d.unseen) lines.push(`    not seen: ${u}`);
  return lines;
}

export function generatorSummary(g: GeneratorHealth): string {
  const parts: string[] = [];
  if (g.worstSaturatedInWindowS !== undefined) parts.push(`worst worker saturated ${fmt(g.worstSaturatedInWindowS)} s of any 20 s, ${fmt(g.worstWorkerSaturatedS)} s in all`);
  if (g.eventLoopDelayP99Ms !== undefined) parts.push(`loop delay p99 ${g.eventLoopDelayP99Ms.toFixed(0)} ms typical, ${fmt(g.worstEventLoopDelayMs)} ms worst`);
  if (g.busyShare !== undefined) parts.push(`busy ${(g.busyShare * 100).toFixed(0)} % typical`);
  return `${g.overloaded ? 'OVERLOADED' : 'kept up'}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

export function deliverySummary(d: LoadDelivery): string {
  const parts = [`users ${d.createdUsers}/${d.plannedUsers ?? '?'} planned`];
  if (d.holds.length > 0) parts.push(`holds at ${Math.round(100 * Math.min(...d.holds.map((h) => h.share)))} % of plan at worst`);
  if (d.tookSeconds !== undefined && d.profileSeconds !== undefined) parts.push(`took ${Math.round(d.tookSeconds)} s of a ${Math.round(d.profileSeconds)}-s profile`);
  if ((d.gateHeldUserSeconds ?? 0) > 0) parts.push(`${fmt(d.gateHeldUserSeconds)} user-seconds held at rate-limit gates`);
  if (d.transportErrors > 0) parts.push(`${d.transportErrors} requests without an answer (${d.timedOut} timed out)`);
  return `${d.delivered ? 'yes' : 'NO'} (${parts.join(', ')})`;
}

/** Writes the results file (and report), prints the verdict; returns the exit code. */
export async function finishRun(rec: RunRecorder, env: Env = process.env): Promise<number> {
  return writeResults(judgeRun(summarize(rec), resultsDir(env), env), resultsFile(rec.scenario, env), env);
}

/**
 * The end of every run, whatever ran the load: redacts the results as
 * values (a secret with a quote or a backslash is escaped in JSON text and
 * would no longer match there), writes them and the reports, prints the
 * verdict; returns the verdict's exit code.
 */
export async function writeResults(raw: ResultsFile, file: string, env: Env = process.env): Promise<number> {
  const secrets = secretsFromEnv(env);
  const results = redactDeep(raw, secrets);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(results, null, 2));
    console.log(verdictText(results));
    console.log(`  results: ${path.relative(process.cwd(), file) || file}`);
  } catch (err) {
    console.error(`luneo-load-tests: could not write ${file}: ${(err as Error).message}`);
    return results.luneo.verdict.exitCode;
  }
  // The report is for people: when it cannot be written (or its module not loaded) the verdict and exit code stand.
  try {
    const { shownPath, writeReports } = await import('../report/index.ts');
    const report = writeReports(results, file, { env });
    console.log(`  report: ${shownPath(report.html)}`);
    console.log(`  summary: ${shownPath(report.markdown)}`);
    console.log(`  junit: ${shownPath(report.junit)}`);
  } catch (err) {
    console.error(`luneo-load-tests: could not write the report for ${file}: ${redact(err instanceof Error ? err.message : String(err), secrets).replace(/\s+/g, ' ')}`);
  }
  return results.luneo.verdict.exitCode;
}

/**
 * The hold the server thresholds are judged over (epoch ms): the periods
 * in which users were held at their planned level, else the whole run.
 */
export function holdWindow(intermediate: readonly PeriodReport[]): { from: number; to: number } {
  const periods = intermediate.map((p) => Number(p.period)).filter(Number.isFinite).sort((a, b) => a - b);
  const holds = intermediate.filter((p) => (p.counters[METRICS.load.holdPlannedUserSeconds] ?? 0) > 0).map((p) => Number(p.period)).filter(Number.isFinite).sort((a, b) => a - b);
  const use = holds.length > 0 ? holds : periods;
  return { from: use[0] ?? 0, to: (use.at(-1) ?? 0) + PERIOD_SECONDS * 1000 };
}

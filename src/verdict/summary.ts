/**
 * What a finished run means: the concurrency it reached, whether it was
 * valid (generator kept up, load delivered, not rate limited) and the
 * verdict. Pure functions over Artillery's own report objects, computed
 * from the combined metrics alone, so that the plugin (at the end of a
 * local run), the report command (on any results or `-o` file) and a
 * Fargate or Lambda run (on Artillery's aggregate) give the same verdict.
 */
import { METRICS } from '../metric-names.ts';
import { EXIT } from './exit-codes.ts';
import { abortReason, type AbortRecord } from './abort.ts';
import { type GeneratorHealth, generatorHealth } from './generator-health.ts';
import { type LoadDelivery, loadDelivery } from './load-delivered.ts';
import { type RateLimiting, rateLimiting } from './rate-limited.ts';

export { GENERATOR_LIMITS, type GeneratorHealth, type GeneratorLimits, generatorHealth } from './generator-health.ts';

export interface Summary {
  min: number;
  max: number;
  count: number;
  mean?: number;
  p50: number;
  p75?: number;
  p90?: number;
  p95: number;
  p99: number;
  p999?: number;
}

/** One period (10 s) or the aggregate of Artillery's metrics. */
export interface PeriodReport {
  period?: number | string;
  firstMetricAt?: number;
  lastMetricAt?: number;
  counters: Record<string, number>;
  rates?: Record<string, number>;
  summaries: Record<string, Summary>;
}

export interface PhaseRecord {
  index: number;
  name?: string;
  /** set duration, seconds */
  duration?: number;
  pause?: number;
  arrivalRate?: number;
  arrivalCount?: number;
  startTime?: number;
  endTime?: number;
}

export interface Check {
  expression: string;
  passed: boolean;
  strict: boolean;
  /** measured by the check itself (a server threshold), not read off the aggregate */
  measured?: number;
  /** a server threshold whose signal was not measured: the gate could not judge it */
  unmeasured?: boolean;
  /** why it was not measured */
  why?: string;
}

export interface ConcurrencyPoint {
  /** the period's timestamp (epoch ms) */
  at: number;
  /** mean users alive over the period, all workers together */
  users: number;
  /** most users alive at one second of the period, all workers together */
  usersMax?: number;
  /** users the profile planned, mean over the period, all workers together */
  planned?: number;
  /** mean users waiting at a rate-limit gate */
  held?: number;
  rendersInFlight?: number;
  rendersInFlightMax?: number;
}

/** Artillery reports metrics in periods of this length. */
export const PERIOD_SECONDS = 10;

/**
 * Concurrency per period from the presence samples (see run/presence.ts):
 * user-seconds over the period's length give the mean, summed correctly
 * over workers; the per-second counters give the most at one time, all
 * workers together. Files from before those counters fall back to the
 * per-worker sampled histogram.
 */
export function concurrencySeries(intermediate: readonly PeriodReport[]): ConcurrencyPoint[] {
  const L = METRICS.load;
  return [...intermediate]
    .sort((a, b) => Number(a.period) - Number(b.period))
    .map((p) => {
      const c = p.counters;
      const point: ConcurrencyPoint = { at: Number(p.period), users: round1((c[L.userSeconds] ?? 0) / PERIOD_SECONDS) };
      const seconds = Object.keys(c).filter((k) => k.startsWith(L.usersAtSecondPrefix));
      const um = seconds.length > 0 ? Math.max(...seconds.map((k) => c[k] ?? 0)) : p.summaries[L.concurrentUsers]?.max;
      if (um !== undefined) point.usersMax = um;
      if (c[L.plannedUserSeconds] !== undefined) point.planned = round1(c[L.plannedUserSeconds] / PERIOD_SECONDS);
      if (c[L.gateHeldUserSeconds] !== undefined) point.held = round1(c[L.gateHeldUserSeconds] / PERIOD_SECONDS);
      if (c[L.renderSeconds] !== undefined) point.rendersInFlight = round1(c[L.renderSeconds] / PERIOD_SECONDS);
      const rm = p.summaries[L.rendersInFlight]?.max;
      if (rm !== undefined) point.rendersInFlightMax = rm;
      return point;
    });
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/**
 * What a verdict can be. An invalid run is neither a pass nor an SLO
 * failure: its numbers do not measure the target. New kinds (a run stopped
 * by its abort switch) go here, with their exit code in exit-codes.ts.
 */
export type VerdictKind = 'pass' | 'slo_failed' | 'invalid' | 'aborted' | 'regressed';

/** Why a run is invalid. */
export type InvalidCause = 'generator_overloaded' | 'load_not_delivered' | 'rate_limited' | 'not_measured';

export interface Verdict {
  kind: VerdictKind;
  passed: boolean;
  /** for an invalid run, each cause found (the first decides the headline); absent in older results files */
  causes?: InvalidCause[];
  reasons: string[];
  /** exit code the run should end with */
  exitCode: number;
  /** set when the abort switch stopped the run (kind 'aborted') */
  abort?: AbortRecord;
}

export interface Validity {
  generator: GeneratorHealth;
  delivery: LoadDelivery;
  rateLimiting: RateLimiting;
}

/** What a results file recorded of its verdict's inputs. */
export interface RecordedJudgement {
  checks: readonly Check[];
  verdict: { abort?: AbortRecord };
  generator?: GeneratorHealth;
  delivery?: LoadDelivery;
  rateLimiting?: RateLimiting;
}

/**
 * A recorded run judged again from the inputs it recorded, with one more
 * (the history's regressions, a baseline's): the same verdict function,
 * nothing patched onto the old verdict. Files from before a check existed
 * lack its part: what was not judged then is not made up now.
 */
export function rejudge(l: RecordedJudgement, more: Pick<VerdictInputs, 'historyRegressions' | 'baselineRegressions'>): Verdict {
  const validity: Validity = {
    generator: l.generator ?? { overloaded: false, problems: [], plannedUsers: 0, createdUsers: 0, phases: [], saturatedPeriods: [] },
    delivery: l.delivery ?? { delivered: true, problems: [], holds: [], createdUsers: 0, transportErrors: 0, timedOut: 0 },
    rateLimiting: l.rateLimiting ?? { limited: false, problems: [], rateLimited: 0, requests: 0, share: 0, giveUps: 0 },
  };
  return verdict({ checks: l.checks, validity, ...(l.verdict.abort ? { abort: l.verdict.abort } : {}), ...more });
}

/** The three validity checks over the combined metrics. */
export function validity(aggregate: PeriodReport, intermediate: readonly PeriodReport[], phases?: GeneratorHealth['phases']): Validity {
  return {
    generator: generatorHealth(aggregate, intermediate, phases ? { phases } : {}),
    delivery: loadDelivery(aggregate, intermediate),
    rateLimiting: rateLimiting(aggregate),
  };
}

export const INVALID_HEADLINE: Record<InvalidCause, string> = {
  generator_overloaded: 'generator overloaded',
  load_not_delivered: 'load not delivered',
  rate_limited: 'rate limited',
  not_measured: 'a server threshold not measured',
};

/** Everything a verdict is made of, given explicitly: nothing is read from elsewhere, nothing rewritten afterwards. */
export interface VerdictInputs {
  checks: readonly Check[];
  validity: Validity;
  /** the abort switch's record, when it stopped the run */
  abort?: AbortRecord;
  /** changes for the worse against the run history (src/history/), one line each */
  historyRegressions?: readonly string[];
  /** p95 regressions beyond LUNEO_MAX_REGRESSION against a --baseline run, one line each */
  baselineRegressions?: readonly string[];
}

/**
 * The verdict, the one place outcomes are ranked: ABORTED (the run did not
 * go the distance), INVALID (overloaded, load not delivered, rate limited:
 * its numbers do not measure the target, and no setting makes it a PASS),
 * FAIL (a threshold, or a regression beyond LUNEO_MAX_REGRESSION against a
 * baseline), REGRESSED (a change for the worse against the run history),
 * PASS. Every lesser finding stays among the reasons.
 */
export function verdict(i: VerdictInputs): Verdict {
  const judged = judge(i.checks, i.validity);
  const history = (i.historyRegressions ?? []).map((r) => `regression against the run history: ${r}`);
  const baseline = (i.baselineRegressions ?? []).map((r) => `regression: ${r}`);
  if (i.abort) {
    return { kind: 'aborted', passed: false, causes: judged.causes, reasons: [abortReason(i.abort), ...judged.reasons, ...baseline, ...history], exitCode: EXIT.aborted, abort: i.abort };
  }
  if (judged.kind !== 'pass') return { ...judged, reasons: [...judged.reasons, ...baseline, ...history] };
  if (baseline.length > 0) return { kind: 'slo_failed', passed: false, causes: judged.causes, reasons: [...judged.reasons, ...baseline, ...history], exitCode: EXIT.slo_failed };
  if (history.length > 0) return { kind: 'regressed', passed: false, causes: judged.causes, reasons: [...judged.reasons, ...history], exitCode: EXIT.regressed };
  return judged;
}

function judge(checks: readonly Check[], v: Validity): Verdict {
  const unmeasured = checks.filter((c) => c.unmeasured === true);
  const failed = checks.filter((c) => !c.passed && c.strict && c.unmeasured !== true);
  const reasons: string[] = [];
  const causes: InvalidCause[] = [];
  if (v.generator.overloaded) {
    causes.push('generator_overloaded');
    reasons.push(`generator overloaded, results invalid: ${v.generator.problems.join('; ')}`);
  }
  // A shortfall made of users held at the rate-limit gate is the limiter's doing: the headline names the root cause.
  const limiterFirst = !v.delivery.delivered && v.delivery.shortfallAtGate === true;
  const rateLimited = () => {
    if (!v.rateLimiting.limited && !limiterFirst) return;
    causes.push('rate_limited');
    for (const p of v.rateLimiting.problems) reasons.push(`${p}, results invalid`);
    if (!v.rateLimiting.limited) reasons.push(`rate limited: users waited at the rate-limit gate for ${Math.round(v.delivery.gateHeldUserSeconds ?? 0)} user-seconds, most of the load not delivered during the hold, results invalid`);
  };
  if (limiterFirst) rateLimited();
  if (!v.delivery.delivered) {
    causes.push('load_not_delivered');
    for (const p of v.delivery.problems) reasons.push(`${p}, results invalid`);
  }
  if (!limiterFirst) rateLimited();
  if (unmeasured.length > 0) {
    causes.push('not_measured');
    for (const c of unmeasured) reasons.push(`not measured: ${c.expression}${c.why ? ` (${c.why})` : ''}, so the gate could not judge it, results invalid`);
  }
  for (const c of failed) reasons.push(`threshold failed: ${c.expression}`);
  if (causes.length > 0) return { kind: 'invalid', passed: false, causes, reasons, exitCode: EXIT.invalid };
  if (failed.length > 0) return { kind: 'slo_failed', passed: false, causes, reasons, exitCode: EXIT.slo_failed };
  if (checks.length === 0) return { kind: 'slo_failed', passed: false, causes, reasons: [...reasons, 'no threshold was checked (is the ensure plugin loaded?)'], exitCode: EXIT.slo_failed };
  return { kind: 'pass', passed: true, causes, reasons, exitCode: EXIT.pass };
}

/** The verdict's headline: PASS, FAIL, REGRESSED, or INVALID with its first cause. */
export function verdictHeadline(v: { kind: string; causes?: InvalidCause[] }): string {
  if (v.kind === 'pass') return 'PASS';
  if (v.kind === 'aborted') return 'ABORTED';
  if (v.kind === 'regressed') return 'REGRESSED';
  // results files written before the verdict had causes
  if (v.kind === 'generator_overloaded') return 'INVALID (generator overloaded)';
  if (v.kind === 'slo_failed') return 'FAIL';
  if (v.kind === 'invalid') {
    const cause = v.causes?.[0];
    return `INVALID (${cause ? INVALID_HEADLINE[cause] : 'results invalid'})`;
  }
  return String(v.kind).toUpperCase();
}

/** Several verdicts as one exit code: aborted, invalid, a failed threshold, a regression, then a pass. */
export function worstExitCode(codes: readonly number[]): number {
  const rank = (c: number) => (c === EXIT.aborted ? 4 : c === EXIT.invalid ? 3 : c === EXIT.slo_failed ? 2 : c === EXIT.regressed ? 1.5 : c === EXIT.pass ? 0 : 1);
  return codes.reduce((worst, c) => (rank(c) > rank(worst) ? c : worst), EXIT.pass as number);
}

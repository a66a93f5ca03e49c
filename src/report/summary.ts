/**
 * The facts both reports state in words: the checks table, the generator's
 * health, the concurrency reached and the top counters.
 */
import { splitCheck } from '../verdict/check-values.ts';
import { METRICS } from '../metric-names.ts';
import type { CheckRow, ResultsFile } from '../results/recorder.ts';
import { GENERATOR_LIMITS } from '../verdict/summary.ts';
import { fmtMs, fmtNumber, fmtPercent } from './format.ts';
import { flowOf } from '../flows/index.ts';

/** Counters of things that went wrong, by kind: the suffixes the package's metric names use. */
const BAD_EVENT = /^luneo_.+_(failed|rate_limited|non_json|origin_mismatch|replayed|invalid|missing|give_ups|failures)$/;
/** Totals over the kinds (they would count them twice) and job outcomes (shown with the jobs). */
const NOT_A_KIND: ReadonlySet<string> = new Set([METRICS.requests.failed, METRICS.requests.rateLimited, METRICS.render.jobsFailed]);

export function errorKinds(counterNames: readonly string[]): string[] {
  return counterNames.filter((k) => k.startsWith('errors.') || k === 'vusers.failed' || (BAD_EVENT.test(k) && !NOT_A_KIND.has(k)));
}

export function isRateLimitKind(name: string): boolean {
  return name.endsWith('_rate_limited');
}

export type CheckResult = 'pass' | 'fail' | 'warn' | 'unmeasured';

export interface CheckLine {
  /** the expression's measured side: a metric or arithmetic over metrics */
  metric: string;
  expression: string;
  limit: string;
  measured: string;
  result: CheckResult;
}

/** Latency percentiles read better with their unit; ratios and counts have none. */
function withUnit(left: string, n: number | undefined): string {
  return /_ms\.(p\d+|min|max|mean|median)$/.test(left) ? fmtMs(n) : fmtNumber(n);
}

export function checkLines(r: ResultsFile): CheckLine[] {
  return r.luneo.checks.map((c: CheckRow) => {
    const parts = splitCheck(c.expression);
    const metric = parts?.left ?? c.expression;
    const limit = c.limit ?? parts?.limit;
    const op = c.op ?? parts?.op ?? '';
    return {
      metric,
      expression: c.expression,
      limit: limit === undefined ? '–' : `${op} ${withUnit(metric, limit)}`.trim(),
      measured: c.unmeasured ? 'not measured' : withUnit(metric, c.measured),
      result: c.unmeasured ? 'unmeasured' : c.passed ? 'pass' : c.strict ? 'fail' : 'warn',
    };
  });
}

export function generatorLine(r: ResultsFile): string {
  const g = r.luneo.generator;
  const parts = [g.plannedUsers > 0 ? `${fmtNumber(g.createdUsers)} of ${fmtNumber(g.plannedUsers)} planned users created` : `${fmtNumber(g.createdUsers)} users created (plan unknown)`];
  if (g.worstSaturatedInWindowS !== undefined) {
    parts.push(`worst worker saturated ${fmtNumber(g.worstSaturatedInWindowS)} s of any ${GENERATOR_LIMITS.windowSeconds} s (limit ${GENERATOR_LIMITS.maxSaturatedInWindowS} s)`);
  }
  if (g.eventLoopDelayP99Ms !== undefined) parts.push(`event-loop delay p99 ${fmtMs(g.eventLoopDelayP99Ms)} typical, ${fmtMs(g.worstEventLoopDelayMs)} worst`);
  if (g.busyShare !== undefined) parts.push(`busy ${fmtPercent(g.busyShare)} typical`);
  const d = r.luneo.delivery;
  const delivered = d ? `; load ${d.delivered ? 'delivered' : 'NOT delivered'}` : '';
  return `${g.overloaded ? 'OVERLOADED' : 'kept its schedule'}: ${parts.join(', ')}${delivered}`;
}

export function who(r: ResultsFile): string {
  return flowOf(r.luneo.scenario)?.users.many ?? 'users';
}

export function concurrencyLine(r: ResultsFile): string {
  const l = r.luneo;
  const parts = [`${fmtNumber(l.peakUsersSampled ?? 0)} ${who(r)} at once (all workers)`, `${fmtNumber(l.peakUsers)} on average over the busiest 10 s`];
  if (l.peakRendersInFlight !== undefined) parts.push(`up to ${fmtNumber(l.peakRendersInFlight)} renders in flight`);
  if (l.run) parts.push(`profile peak ${fmtNumber(l.run.peakUsers)}`);
  return parts.join('; ');
}

export interface TopCounters {
  requests: number;
  responses: number;
  codes: [string, number][];
  /** kinds of failure that happened, most first */
  failures: [string, number][];
  rateLimited: number;
  rateLimitedKinds: [string, number][];
}

export function topCounters(r: ResultsFile): TopCounters {
  const c = r.aggregate.counters;
  const kinds = errorKinds(Object.keys(c).sort())
    .map((k): [string, number] => [k, c[k] ?? 0])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  const rateLimitedKinds = kinds.filter(([k]) => isRateLimitKind(k));
  return {
    requests: c['http.requests'] ?? c[METRICS.requests.sent] ?? 0,
    responses: c['http.responses'] ?? 0,
    codes: Object.keys(c)
      .filter((k) => /^http\.codes\.\d+$/.test(k))
      .sort()
      .map((k): [string, number] => [k.slice('http.codes.'.length), c[k] ?? 0]),
    failures: kinds.filter(([k]) => !isRateLimitKind(k)),
    rateLimited: c[METRICS.requests.rateLimited] ?? c['http.codes.429'] ?? rateLimitedKinds.reduce((n, [, v]) => n + v, 0),
    rateLimitedKinds,
  };
}

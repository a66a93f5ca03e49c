/**
 * The one threshold judge. A scenario's thresholds are its `config.ensure`
 * section; they are judged here by artillery-plugin-ensure's own evaluator
 * (`Plugin.runChecks` over `Plugin.statsToVars`), whatever the aggregate
 * came from: a local run's final report, the periods an aborted run got
 * through, an Artillery `-o` file, or a Fargate or Lambda run. ensure still
 * runs in Artillery and sets its exit code; it and this judge are the same
 * code, so they cannot disagree. The results file records the thresholds
 * it was judged by (`luneo.thresholds`), so a report is rebuilt from the
 * file alone.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse } from 'yaml';
import type { Check, PeriodReport } from './summary.ts';

export interface EnsureSpec {
  thresholds?: Record<string, number>[];
  conditions?: { expression: string; strict?: boolean }[];
  /** ensure's other keys (maxErrorRate, p95, …) are passed through to it untouched */
  [key: string]: unknown;
}

interface EnsureCheck {
  original: string;
  result: number;
  strict: boolean;
}
interface EnsureModule {
  Plugin: { runChecks(checks: unknown, vars: Record<string, unknown>): EnsureCheck[]; statsToVars(data: { report: PeriodReport }): Record<string, unknown> };
}

let ensure: EnsureModule | undefined;

type ArtilleryLog = { log?: (...args: unknown[]) => void };

/**
 * runChecks prints "Checks:" through Artillery's global logger, which a
 * report command has not got and a run has already used for ensure's own
 * lines: the call gets a silent one for its (synchronous) duration.
 */
function quietly<T>(f: () => T): T {
  const g = globalThis as { artillery?: ArtilleryLog };
  const had = g.artillery;
  const target: ArtilleryLog = had ?? {};
  const log = target.log;
  target.log = () => {};
  if (!had) g.artillery = target;
  try {
    return f();
  } finally {
    if (had) target.log = log;
    else delete g.artillery;
  }
}

/** Each threshold of `spec` judged over `aggregate`; a metric that was never emitted fails its check, as in ensure. */
export function judgeThresholds(spec: EnsureSpec | undefined, aggregate: PeriodReport): Check[] {
  if (!spec) return [];
  ensure ??= createRequire(import.meta.url)('artillery-plugin-ensure') as EnsureModule;
  // statsToVars reads counters, rates and summaries; a file written before rates existed has none.
  const report: PeriodReport = { counters: aggregate.counters, rates: aggregate.rates ?? {}, summaries: aggregate.summaries };
  const mod = ensure;
  return quietly(() => mod.Plugin.runChecks(spec, mod.Plugin.statsToVars({ report }))).map((c) => ({
    expression: String(c.original),
    passed: c.result === 1,
    strict: c.strict !== false,
  }));
}

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The ensure section of scenarios/<scenario>.yml; undefined when there is no such scenario. */
export function scenarioEnsure(scenario: string, root: string = ROOT): EnsureSpec | undefined {
  if (!/^[a-z][a-z0-9-]*$/.test(scenario)) return undefined;
  let text: string;
  try {
    text = readFileSync(path.join(root, 'scenarios', `${scenario}.yml`), 'utf8');
  } catch {
    return undefined;
  }
  const doc = parse(text) as { config?: { ensure?: EnsureSpec } } | null;
  return doc?.config?.ensure;
}

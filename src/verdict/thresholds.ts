/**
 * The scenario's ensure thresholds, checked here over a combined aggregate
 * the way artillery-plugin-ensure checks them: `metric: N` means
 * `metric < N`, a condition is `<arithmetic> <op> <number>`, and a metric
 * that was never emitted fails its check. Used where ensure's own results
 * are not at hand: an Artillery `-o` file, or a Fargate or Lambda run whose
 * checks ran in the orchestrator.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { evaluate, splitCheck } from './check-values.ts';
import type { Check, PeriodReport } from './summary.ts';

export interface EnsureSpec {
  thresholds?: Record<string, number>[];
  conditions?: { expression: string; strict?: boolean }[];
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
};

export function ensureExpressions(spec: EnsureSpec): { expression: string; strict: boolean }[] {
  const out: { expression: string; strict: boolean }[] = [];
  for (const t of spec.thresholds ?? []) {
    const [name, limit] = Object.entries(t)[0] ?? [];
    if (name !== undefined && typeof limit === 'number') out.push({ expression: `${name} < ${limit}`, strict: true });
  }
  for (const c of spec.conditions ?? []) if (typeof c.expression === 'string') out.push({ expression: c.expression, strict: c.strict !== false });
  return out;
}

export function evaluateEnsure(spec: EnsureSpec, aggregate: PeriodReport): Check[] {
  return ensureExpressions(spec).map(({ expression, strict }) => {
    const parts = splitCheck(expression);
    const measured = parts ? evaluate(parts.left, aggregate) : undefined;
    const cmp = parts ? COMPARE[parts.op] : undefined;
    return { expression, strict, passed: measured !== undefined && cmp !== undefined && parts !== undefined && cmp(measured, parts.limit) };
  });
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

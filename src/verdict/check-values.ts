/**
 * The measured side of an ensure check, for the verdict table: ensure only
 * says pass or fail. Checks are `<arithmetic over metrics> <op> <number>`;
 * this evaluates the left side over the aggregate (counters, rates and
 * `summary.p95`-style names), with + - * / and parentheses.
 */
import type { PeriodReport } from './summary.ts';

export interface CheckParts {
  left: string;
  op: string;
  limit: number;
}

export function splitCheck(expression: string): CheckParts | undefined {
  const m = /^(.*?)\s*(<=|>=|<|>|==)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(expression.trim());
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) return undefined;
  return { left: m[1], op: m[2], limit: Number(m[3]) };
}

export function metricValue(name: string, agg: PeriodReport): number | undefined {
  if (name in agg.counters) return agg.counters[name];
  if (agg.rates && name in agg.rates) return agg.rates[name];
  const dot = name.lastIndexOf('.');
  if (dot > 0) {
    const summary = agg.summaries[name.slice(0, dot)] as unknown as Record<string, number> | undefined;
    const v = summary?.[name.slice(dot + 1)];
    if (typeof v === 'number') return v;
  }
  return undefined;
}

/** Value of an arithmetic expression over metric names; undefined when a metric is missing or the text is not arithmetic. */
export function evaluate(expr: string, agg: PeriodReport): number | undefined {
  const tokens = expr.match(/\s*([A-Za-z_][\w.\-/]*|\d+(?:\.\d+)?|[-+*/()])/g)?.map((t) => t.trim());
  if (!tokens || tokens.join('') !== expr.replace(/\s+/g, '')) return undefined;
  let i = 0;
  const peek = () => tokens[i];
  const atom = (): number | undefined => {
    const t = tokens[i++];
    if (t === undefined) return undefined;
    if (t === '(') {
      const v = sum();
      if (tokens[i++] !== ')') return undefined;
      return v;
    }
    if (t === '-') {
      const v = atom();
      return v === undefined ? undefined : -v;
    }
    if (/^\d/.test(t)) return Number(t);
    return metricValue(t, agg);
  };
  const product = (): number | undefined => {
    let v = atom();
    while (peek() === '*' || peek() === '/') {
      const op = tokens[i++];
      const r = atom();
      if (v === undefined || r === undefined) return undefined;
      v = op === '*' ? v * r : v / r;
    }
    return v;
  };
  const sum = (): number | undefined => {
    let v = product();
    while (peek() === '+' || peek() === '-') {
      const op = tokens[i++];
      const r = product();
      if (v === undefined || r === undefined) return undefined;
      v = op === '+' ? v + r : v - r;
    }
    return v;
  };
  const v = sum();
  return i === tokens.length && v !== undefined && Number.isFinite(v) ? v : undefined;
}

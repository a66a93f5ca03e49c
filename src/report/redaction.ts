/**
 * The report shows no secret, even when the run used one: secrets can reach
 * a results file through error messages Artillery turns into counter names.
 */
import { redact } from '../api/credentials.ts';

export { SECRET_VARIABLES, secretsFromEnv } from '../api/credentials.ts';

/**
 * Redacts every string in a JSON-like value, keys included, before it is
 * escaped or serialised: a secret with `&` or `"` in it would no longer
 * match once turned into HTML entities or JSON escapes.
 */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  return walk(value, secrets) as T;
}

function walk(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redact(value, secrets);
  if (Array.isArray(value)) return value.map((v) => walk(v, secrets));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const key = redact(k, secrets);
      const next = walk(v, secrets);
      const prev = out[key];
      // Two counters that differed only by a secret now share a name: keep both counts.
      out[key] = typeof prev === 'number' && typeof next === 'number' ? prev + next : next;
    }
    return out;
  }
  return value;
}

/**
 * One section of an environment file (`embed:`, `render:`), read and
 * checked by the code that owns it: a flow reads its own (src/flows/), so
 * a flow with settings adds no line to src/config/environments.ts. Every
 * problem is collected, not thrown, so that the operator sees them all at
 * once; a key nothing read is refused, since a typo must not pass silently.
 */
import { isRecord } from './record.ts';

export interface Range {
  min: number;
  max: number;
}

export interface SectionReader {
  /** the value as written (undefined when absent), for what the typed readers below do not cover */
  raw(key: string): unknown;
  /** `[min, max]` in milliseconds */
  range(key: string, dflt: Range): Range;
  /** a mapping of numbers over the defaults' keys */
  numbers<T extends object>(key: string, dflt: T): T;
  /** a problem with the section, prefixed with its name */
  problem(text: string): void;
}

/** Reads `doc[name]`; `finish()` refuses the keys nothing read. */
export function readSection(doc: Record<string, unknown>, name: string, problems: string[]): { reader: SectionReader; finish(): void } {
  const v = doc[name];
  const section = isRecord(v) ? v : {};
  if (v !== undefined && v !== null && !isRecord(v)) problems.push(`${name} must be a mapping`);
  const known: string[] = [];
  const raw = (key: string): unknown => {
    if (!known.includes(key)) known.push(key);
    return section[key];
  };
  const reader: SectionReader = {
    raw,
    range: (key, dflt) => range(raw(key), dflt, `${name}.${key}`, problems),
    numbers: (key, dflt) => numbers(raw(key), dflt, `${name}.${key}`, problems),
    problem: (text) => problems.push(`${name}.${text}`),
  };
  return { reader, finish: () => unknownKeys(section, `${name}: `, known, problems) };
}

/** A typo must not pass silently: `gaurded: true` would otherwise unguard production. */
export function unknownKeys(v: Record<string, unknown>, prefix: string, known: readonly string[], problems: string[]): void {
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) problems.push(`${prefix}unknown setting "${k}" (known: ${known.join(', ')})`);
  }
}

function range(v: unknown, dflt: Range, key: string, problems: string[]): Range {
  if (v === undefined) return dflt;
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && x >= 0) && v[0] <= v[1]) {
    return { min: v[0], max: v[1] };
  }
  problems.push(`${key} must be [min, max] in milliseconds with 0 <= min <= max`);
  return dflt;
}

/** A mapping of numbers over the defaults' keys: `key` names it in problems. */
export function numbers<T extends object>(v: unknown, dflt: T, key: string, problems: string[]): T {
  if (v === undefined) return dflt;
  if (!isRecord(v)) {
    problems.push(`${key} must be a mapping`);
    return dflt;
  }
  const out: Record<string, number> = { ...(dflt as Record<string, number>) };
  for (const [k, val] of Object.entries(v)) {
    if (!(k in dflt)) problems.push(`${key}: unknown setting "${k}" (known: ${Object.keys(dflt).join(', ')})`);
    else if (typeof val !== 'number' || !Number.isFinite(val)) problems.push(`${key}.${k} must be a number`);
    else out[k] = val;
  }
  return out as T;
}

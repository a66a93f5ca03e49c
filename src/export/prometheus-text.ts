/**
 * Prometheus text exposition format (0.0.4, and the OpenMetrics lines a
 * scrape may also carry), read far enough to sum and compare samples. A
 * line that does not parse is counted and skipped rather than failing the
 * whole scrape: one odd metric from the platform must not hide the others.
 */

export interface PromSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  /** NaN, +Inf and -Inf are kept as such */
  value: number;
  /** epoch ms, when the line carries one */
  timestampMs?: number;
}

export interface PromText {
  samples: PromSample[];
  /** metric family name → type from `# TYPE` lines */
  types: ReadonlyMap<string, string>;
  /** lines that were neither comments nor samples */
  invalidLines: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** Go's strconv.ParseFloat, which the exposition format defers to, accepts these spellings case-insensitively. */
export function parseValue(text: string): number | undefined {
  const m = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (m) {
    if (m[2]!.toLowerCase() === 'nan') return Number.NaN;
    return m[1] === '-' ? -Infinity : Infinity;
  }
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** Reads a double-quoted string starting at `text[start]`; returns the unescaped value and the index after the closing quote. */
function quoted(text: string, start: number): { value: string; end: number } | undefined {
  if (text[start] !== '"') return undefined;
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return { value, end: i + 1 };
    if (c === '\\') {
      const next = text[++i];
      if (next === undefined) return undefined;
      value += next === 'n' ? '\n' : next;
    } else {
      value += c;
    }
  }
  return undefined;
}

function skipSpaces(text: string, i: number): number {
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i;
}

/**
 * The `{…}` part. Prometheus 3 may put a quoted (UTF-8) metric name first
 * inside the braces, so a bare quoted string there names the metric.
 */
function labelSet(text: string, start: number): { labels: Record<string, string>; name?: string; end: number } | undefined {
  const labels: Record<string, string> = {};
  let name: string | undefined;
  let i = skipSpaces(text, start + 1);
  while (text[i] !== '}') {
    let key: string;
    if (text[i] === '"') {
      const q = quoted(text, i);
      if (!q) return undefined;
      i = skipSpaces(text, q.end);
      if (text[i] !== '=') {
        if (name !== undefined || Object.keys(labels).length > 0) return undefined;
        name = q.value;
        if (text[i] === ',') i = skipSpaces(text, i + 1);
        continue;
      }
      key = q.value;
    } else {
      const m = LABEL_NAME.exec(text.slice(i));
      if (!m) return undefined;
      key = m[0];
      i = skipSpaces(text, i + key.length);
    }
    if (text[i] !== '=') return undefined;
    const q = quoted(text, skipSpaces(text, i + 1));
    if (!q) return undefined;
    labels[key] = q.value;
    i = skipSpaces(text, q.end);
    if (text[i] === ',') i = skipSpaces(text, i + 1);
    else if (text[i] !== '}') return undefined;
  }
  const out: { labels: Record<string, string>; name?: string; end: number } = { labels, end: i + 1 };
  if (name !== undefined) out.name = name;
  return out;
}

export function parseSampleLine(line: string): PromSample | undefined {
  let name = '';
  let labels: Record<string, string> = {};
  let i = 0;
  const m = METRIC_NAME.exec(line);
  if (m) {
    name = m[0];
    i = m[0].length;
  }
  if (line[skipSpaces(line, i)] === '{') {
    i = skipSpaces(line, i);
    const set = labelSet(line, i);
    if (!set) return undefined;
    if (set.name !== undefined) {
      if (name !== '') return undefined;
      name = set.name;
    }
    labels = set.labels;
    i = set.end;
  }
  if (name === '') return undefined;
  const rest = line.slice(i).trim().split(/[ \t]+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') return undefined;
  const value = parseValue(rest[0]!);
  if (value === undefined) return undefined;
  const sample: PromSample = { name, labels, value };
  if (rest.length === 2) {
    const ts = Number(rest[1]);
    if (!Number.isInteger(ts)) return undefined;
    sample.timestampMs = ts;
  }
  return sample;
}

export function parsePrometheusText(text: string): PromText {
  const samples: PromSample[] = [];
  const types = new Map<string, string>();
  let invalidLines = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const t = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (t) types.set(t[1]!, t[2]!);
      continue;
    }
    const s = parseSampleLine(line);
    if (s) samples.push(s);
    else invalidLines++;
  }
  return { samples, types, invalidLines };
}

/** Samples of exactly this name whose labels include every pair of `where`. */
export function select(p: PromText, name: string, where: Readonly<Record<string, string>> = {}): PromSample[] {
  const pairs = Object.entries(where);
  return p.samples.filter((s) => s.name === name && pairs.every(([k, v]) => s.labels[k] === v));
}

/**
 * Sum over every label set that matches. Undefined when the metric is not
 * exposed at all; 0 when its family is declared but has no matching series
 * yet (a counter by reason with no failures so far). NaN samples (no
 * observation) are left out rather than poisoning the sum.
 */
export function sumOf(p: PromText, name: string, where: Readonly<Record<string, string>> = {}): number | undefined {
  const matching = select(p, name, where);
  if (matching.length === 0) return p.types.has(name) || p.samples.some((s) => s.name === name) ? 0 : undefined;
  const values = matching.map((s) => s.value).filter((v) => !Number.isNaN(v));
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
}

/** Highest value over matching label sets, NaN left out; undefined when there is none. */
export function maxOf(p: PromText, name: string, where: Readonly<Record<string, string>> = {}): number | undefined {
  const values = select(p, name, where)
    .map((s) => s.value)
    .filter((v) => !Number.isNaN(v));
  return values.length === 0 ? undefined : Math.max(...values);
}

/**
 * Artillery's `{{ var }}` templates, compiled once per scenario step instead
 * of parsed (and deep-cloned with lodash) on every request.
 *
 * Same results as Artillery's engine_util.template for the forms it
 * documents: a string that is one `{{ name }}` and nothing else gives the
 * variable's own value (a number stays a number); any other string gets
 * each variable's text, objects as JSON, a missing one as "undefined".
 * Dotted and bracketed paths (`a.b`, `a[0]`, `a['b']`) are read like
 * lodash's `get`. Function calls (`{{ $randomNumber(1, 9) }}`) are left to
 * Artillery's own template function, which the engine is handed.
 */

export interface TemplateContext {
  vars: Record<string, unknown>;
}

/** Artillery's `engine_util.template(value, context)`. */
export type ArtilleryTemplate = (value: unknown, context: TemplateContext) => unknown;

export type Compiled = (context: TemplateContext) => unknown;

// Artillery's own variable pattern (engine_util.renderVariables).
const VARIABLE = /{{{?[\s$\w.[\]'"-]+}}}?/g;
const FUNCTION_CALL = /{{\s*(\$[A-Za-z0-9_]+\s*\(\s*[A-Za-z0-9_,\s]*\s*\))\s*}}/;

function pathOf(name: string): string[] {
  const keys: string[] = [];
  for (const m of name.matchAll(/[^.[\]'"]+/g)) keys.push(m[0]);
  return keys;
}

function reader(name: string): (vars: Record<string, unknown>) => unknown {
  const keys = pathOf(name);
  const [only] = keys;
  if (keys.length === 1 && only !== undefined) return (vars) => vars[only];
  return (vars) => {
    let v: unknown = vars;
    for (const k of keys) {
      if (v === null || v === undefined) return undefined;
      v = (v as Record<string, unknown>)[k];
    }
    return v;
  };
}

function nameIn(token: string): string {
  return token.replace(/[{}]/g, '').trim();
}

/** Artillery's sanitiseValue: empty strings and NaN become '', other falsy values stay. */
function sanitised(value: unknown): unknown {
  if (value === 0 || value === false || value === null || value === undefined) return value;
  return value ? value : '';
}

function asText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

export function hasTemplate(value: string): boolean {
  return value.includes('{{');
}

/** A string template, compiled. `fallback` renders the forms this module leaves to Artillery. */
export function compileString(source: string, fallback: ArtilleryTemplate): Compiled {
  if (!hasTemplate(source)) return () => source;
  if (FUNCTION_CALL.test(source)) return (context) => fallback(source, context);
  const tokens = source.match(VARIABLE) ?? [];
  const [first] = tokens;
  if (tokens.length === 1 && first === source) {
    const read = reader(nameIn(first));
    return (context) => sanitised(read(context.vars));
  }
  const literals = source.split(VARIABLE);
  const reads = tokens.map((t) => reader(nameIn(t)));
  return (context) => {
    let out = literals[0] ?? '';
    for (let i = 0; i < reads.length; i++) out += asText((reads[i] as (v: Record<string, unknown>) => unknown)(context.vars)) + (literals[i + 1] ?? '');
    return out;
  };
}

/** Any YAML value: strings are compiled, objects and arrays walked (keys too), the rest kept. */
export function compileValue(source: unknown, fallback: ArtilleryTemplate): Compiled {
  if (typeof source === 'string') return compileString(source, fallback);
  if (Array.isArray(source)) {
    const items = source.map((v) => compileValue(v, fallback));
    return (context) => items.map((f) => f(context));
  }
  if (source !== null && typeof source === 'object' && (source as object).constructor === Object) {
    const entries = Object.entries(source as Record<string, unknown>).map(([k, v]) => [compileString(k, fallback), compileValue(v, fallback)] as const);
    if (!containsTemplate(source)) return () => source;
    return (context) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of entries) out[String(k(context))] = v(context);
      return out;
    };
  }
  return () => source;
}

export function containsTemplate(value: unknown): boolean {
  if (typeof value === 'string') return hasTemplate(value);
  if (Array.isArray(value)) return value.some(containsTemplate);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => hasTemplate(k) || containsTemplate(v));
  return false;
}

/**
 * Compiled templates of strings that hooks hand over (a header a hook
 * copied from the step, a URL it built): most repeat, so each is compiled
 * once. Bounded, because a hook may build a new string every time.
 */
export class TemplateCache {
  private readonly compiled = new Map<string, Compiled>();
  private readonly fallback: ArtilleryTemplate;
  private readonly limit: number;

  constructor(fallback: ArtilleryTemplate, limit = 1000) {
    this.fallback = fallback;
    this.limit = limit;
  }

  render(value: unknown, context: TemplateContext): unknown {
    if (typeof value !== 'string') return containsTemplate(value) ? this.fallback(value, context) : value;
    if (!hasTemplate(value)) return value;
    let f = this.compiled.get(value);
    if (!f) {
      f = compileString(value, this.fallback);
      if (this.compiled.size >= this.limit) this.compiled.clear();
      this.compiled.set(value, f);
    }
    return f(context);
  }
}

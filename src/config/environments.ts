/**
 * Where a run goes: `environments/<name>.yml` holds only what differs per
 * deployment (BASE_URL, WIDGET_URL, dialect, the deployment's shape under
 * `api`, polling settings); the
 * BASE_URL, WIDGET_URL and LUNEO_DIALECT environment variables override
 * the file, as in the requirements. Everything is checked here, before any
 * load, with messages that say what to fix.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { defaultDeployment, type Deployment, type Dialect, isDialect, ROUTE_PLACEHOLDERS, type RouteTemplates } from '../api/dialect.ts';
import { ENVIRONMENTS, type EnvironmentName, isEnvironmentName } from '../load/profiles.ts';
import { FLOWS, type FlowName } from '../flows/index.ts';
import { numbers, readSection, unknownKeys } from './section.ts';
import { DEFAULT_RATE_LIMIT_POLICY, type RateLimitPolicy } from '../api/retry-after.ts';
import { type AbortSettings, abortSettingsFrom } from '../verdict/abort.ts';
import { type ObserveSettings, observeProblems, observeSettingsFrom } from '../observe/settings.ts';
import type { Env } from './env.ts';
import { isRecord } from './record.ts';

export type { Range } from './section.ts';

/** What every run reads; each flow's own section (`embed:`, `render:`) comes beside it, under the flow's name. */
export interface CoreSettings {
  environment: EnvironmentName;
  description: string;
  baseUrl: string;
  widgetUrl: string;
  dialect: Dialect;
  /** full-scale profiles against this environment need LUNEO_CONFIRM_FULL_LOAD */
  guarded: boolean;
  /** credentials may fall back to the sandbox's built-in ones */
  sandbox: boolean;
  /** the deployment's routes and behaviours (api section), read only by src/api/dialect.ts */
  deployment: Deployment;
  /**
   * Production's express-slow-down (+500 ms per request after the 100th in
   * 15 min per address) is hard-coded: assumed wherever the production
   * limiter shows, unless the environment says the deployment under test had it removed.
   */
  slowDownRemoved: boolean;
  /** worker threads spread the logins they make on their own over this window */
  loginSpreadMs: number;
  /** Retry-After: every request of every flow follows it (src/api/retry-after.ts) */
  rateLimit: RateLimitPolicy;
  /** the abort switch's limits (src/verdict/abort.ts) */
  abort: AbortSettings;
  /** what the server-side sources read (src/observe/settings.ts); their URLs come from the variables in src/observe/variables.ts */
  observe: ObserveSettings;
}

/** The flows that read a section of their own (src/flows/<flow>.ts `settings`), each under its name. */
type FlowsWithSettings = { [K in FlowName]: (typeof FLOWS)[K] extends { settings: (...args: never[]) => unknown } ? K : never }[FlowName];
export type FlowSettings = { [K in FlowsWithSettings]: ReturnType<(typeof FLOWS)[K]['settings']> };

export type RunSettings = CoreSettings & FlowSettings;


export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * `environments/` next to `scenarios/` (Artillery gives processors the
 * scenario file's path), or LUNEO_ENVIRONMENTS_DIR: a team's private
 * environment files can live outside the repository.
 */
export function environmentsDir(scenarioFile: string | undefined, env: Env = process.env): string {
  const override = env.LUNEO_ENVIRONMENTS_DIR?.trim();
  if (override) return path.resolve(override);
  if (scenarioFile) return path.resolve(path.dirname(scenarioFile), '..', 'environments');
  return path.resolve(process.cwd(), 'environments');
}

export function loadSettings(environment: unknown, dir: string, env: Env = process.env): RunSettings {
  if (environment === undefined || environment === null || environment === '') {
    throw new ConfigError(`no environment chosen: add -e with one of ${ENVIRONMENTS.join(', ')} (e.g. npx artillery run -e local scenarios/embed.yml)`);
  }
  if (!isEnvironmentName(environment)) {
    throw new ConfigError(`unknown environment "${String(environment)}": choose one of ${ENVIRONMENTS.join(', ')}`);
  }
  const file = path.join(dir, `${environment}.yml`);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return settingsFrom(environment, raw, env, file);
}

export function settingsFrom(environment: EnvironmentName, raw: unknown, env: Env, source: string): RunSettings {
  const problems: string[] = [];
  const doc = isRecord(raw) ? raw : {};
  if (!isRecord(raw)) problems.push('the file must be a YAML mapping');

  const str = (key: string): string | undefined => {
    const v = doc[key];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const baseUrl = checkUrl('BASE_URL', env.BASE_URL?.trim() || str('BASE_URL'), problems);
  const widgetUrl = checkUrl('WIDGET_URL', env.WIDGET_URL?.trim() || str('WIDGET_URL'), problems);
  const dialectRaw = env.LUNEO_DIALECT?.trim() || str('DIALECT');
  if (!isDialect(dialectRaw)) problems.push(`DIALECT must be "seed" or "v1", got ${JSON.stringify(dialectRaw ?? null)}`);

  const apiSection = section(doc, 'api', API_KEYS, problems);
  const dialect: Dialect = isDialect(dialectRaw) ? dialectRaw : 'seed';
  // The api section describes the deployment in the file's own dialect: LUNEO_DIALECT naming the other one starts from its defaults.
  const api = str('DIALECT') === undefined || str('DIALECT') === dialect ? apiSection : {};
  unknownKeys(doc, '', settingKeys().top, problems);
  for (const key of ['guarded', 'sandbox'] as const) {
    if (doc[key] !== undefined && typeof doc[key] !== 'boolean') problems.push(`${key} must be true or false, got ${JSON.stringify(doc[key])}`);
  }
  const core: CoreSettings = {
    environment,
    description: str('description') ?? environment,
    baseUrl,
    widgetUrl,
    dialect,
    guarded: doc.guarded === true,
    sandbox: doc.sandbox === true,
    deployment: deploymentFrom(api, dialect, problems),
    slowDownRemoved: bool(api.slowDownRemoved, false, 'api.slowDownRemoved', problems),
    loginSpreadMs: nonNegative(api.loginSpreadMs, 2000, 'api.loginSpreadMs', problems),
    rateLimit: numbers(doc.rateLimit, DEFAULT_RATE_LIMIT_POLICY, 'rateLimit', problems),
    abort: abortSettingsFrom(doc.abort, problems),
    observe: observeSettingsFrom(doc.observe, problems),
  };
  // Each flow reads its own section: its keys, defaults and checks live with the flow.
  const own: Record<string, unknown> = {};
  for (const name of flowSectionNames()) {
    const { reader, finish } = readSection(doc, name, problems);
    own[name] = FLOWS[name].settings(reader);
    finish();
  }
  const settings = { ...core, ...own } as RunSettings;
  problems.push(...observeProblems(env));
  if (problems.length > 0) {
    throw new ConfigError(`${source}:\n  - ${problems.join('\n  - ')}`);
  }
  return settings;
}

/** Read when asked, not at import: a flow module that one day reads the settings must not find the table half made. */
const flowSectionNames = (): FlowsWithSettings[] => (Object.keys(FLOWS) as FlowName[]).filter((n): n is FlowsWithSettings => 'settings' in FLOWS[n]);
const CORE_KEYS = ['description', 'BASE_URL', 'WIDGET_URL', 'DIALECT', 'guarded', 'sandbox', 'api', 'rateLimit'];
const API_KEYS = ['routes', 'tokensFrom', 'cookies', 'refreshRotates', 'syncRender', 'slowDownRemoved', 'loginSpreadMs'];

/** Every flow's own section of the settings, by the flow's name. */
export function flowSections(s: RunSettings): FlowSettings {
  // Object.fromEntries loses the keys' names; they are exactly the flows that read a section.
  return Object.fromEntries(flowSectionNames().map((name) => [name, s[name]])) as FlowSettings;
}

/** The keys an environment file may hold at its top and under `api:` (docs/settings.md lists each; a test checks). */
export function settingKeys(): { top: string[]; api: string[] } {
  return { top: [...CORE_KEYS, ...flowSectionNames(), 'abort', 'observe'], api: [...API_KEYS] };
}

function bool(v: unknown, dflt: boolean, key: string, problems: string[]): boolean {
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  problems.push(`${key} must be true or false, got ${JSON.stringify(v)}`);
  return dflt;
}

function nonNegative(v: unknown, dflt: number, key: string, problems: string[]): number {
  if (v === undefined) return dflt;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  problems.push(`${key} must be a number >= 0, got ${JSON.stringify(v)}`);
  return dflt;
}

/**
 * The api section over the dialect's defaults (the embed branch for v1):
 * route templates must be paths with only their own placeholders, so that
 * a typo is refused here rather than sent 10,000 times.
 */
function deploymentFrom(api: Record<string, unknown>, dialect: Dialect, problems: string[]): Deployment {
  const dep = defaultDeployment(dialect);
  const routesRaw = api.routes;
  if (routesRaw !== undefined) {
    if (!isRecord(routesRaw)) problems.push('api.routes must be a mapping of route name to path template');
    else {
      const names = Object.keys(ROUTE_PLACEHOLDERS) as (keyof RouteTemplates)[];
      for (const [name, value] of Object.entries(routesRaw)) {
        if (!(names as string[]).includes(name)) {
          problems.push(`api.routes: unknown route "${name}" (known: ${names.join(', ')})`);
          continue;
        }
        const route = name as keyof RouteTemplates;
        if (value === null && (route === 'health' || route === 'metrics')) {
          dep.routes[route] = null;
          continue;
        }
        if (typeof value !== 'string' || !value.startsWith('/') || /\s|#/.test(value)) {
          problems.push(`api.routes.${route} must be a path starting with / (e.g. ${JSON.stringify(dep.routes[route] ?? '/api/v1/health')}), got ${JSON.stringify(value)}`);
          continue;
        }
        const allowed = ROUTE_PLACEHOLDERS[route];
        for (const m of value.matchAll(/\{(\w*)\}/g)) {
          if (!allowed.includes(m[1]!)) problems.push(`api.routes.${route}: unknown placeholder {${m[1]}} (allowed: ${allowed.map((a) => `{${a}}`).join(', ') || 'none'})`);
        }
        dep.routes[route] = value;
      }
    }
  }
  if (api.tokensFrom !== undefined) {
    if (api.tokensFrom === 'body' || api.tokensFrom === 'cookie') dep.tokensFrom = api.tokensFrom;
    else problems.push(`api.tokensFrom must be "body" or "cookie", got ${JSON.stringify(api.tokensFrom)}`);
  }
  if (api.cookies !== undefined) {
    const c = isRecord(api.cookies) ? api.cookies : {};
    if (!isRecord(api.cookies)) problems.push('api.cookies must be a mapping { accessToken, refreshToken }');
    unknownKeys(c, 'api.cookies: ', ['accessToken', 'refreshToken'], problems);
    for (const k of ['accessToken', 'refreshToken'] as const) {
      const v = c[k];
      if (v === undefined) continue;
      if (typeof v === 'string' && /^[\w.-]+$/.test(v)) dep.cookies[k] = v;
      else problems.push(`api.cookies.${k} must be a cookie name, got ${JSON.stringify(v)}`);
    }
  }
  dep.refreshRotates = bool(api.refreshRotates, dep.refreshRotates, 'api.refreshRotates', problems);
  dep.syncRender = bool(api.syncRender, dep.syncRender, 'api.syncRender', problems);
  return dep;
}

function section(doc: Record<string, unknown>, key: string, known: readonly string[], problems: string[]): Record<string, unknown> {
  const v = doc[key];
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) {
    problems.push(`${key} must be a mapping`);
    return {};
  }
  unknownKeys(v, `${key}: `, known, problems);
  return v;
}

function checkUrl(name: string, value: string | undefined, problems: string[]): string {
  if (!value) {
    problems.push(`${name} is not set (set it in the environment file or as an environment variable)`);
    return '';
  }
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    problems.push(`${name} is not a URL: ${JSON.stringify(value)} (expected e.g. https://api.luneo.app)`);
    return '';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`${name} must be http or https: ${value}`);
  if (u.search || u.hash) problems.push(`${name} must not carry a query or fragment: ${value}`);
  if (u.username || u.password) problems.push(`${name} must not carry credentials: put them in the environment variables instead`);
  return value.replace(/\/+$/, '');
}

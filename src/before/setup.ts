/**
 * What happens once before any load (Artillery's `before` hook, in the main
 * thread): choose the environment, refuse what must not run, log in, walk
 * the flow once (preflight), refuse a run the target's rate limits would
 * spoil, and say what is about to happen. Each refusal is a ConfigError
 * whose message tells the operator what to do.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AuthError, AuthSession, type SessionState } from '../api/auth-session.ts';
import { type Credentials, resolveCredentials } from '../api/credentials.ts';
import { hostOf } from '../api/rate-limit-gate.ts';
import { processGate } from '../api/process-gate.ts';
import { renderInput } from '../flows/render-job.ts';
import { originForShop } from '../flows/embed-visit.ts';
import { FLOWS, type FlowName, sectionOf } from '../flows/index.ts';
import type { FlowDescription } from '../flows/flow.ts';
import { ConfigError, environmentsDir, loadSettings, type RunSettings } from '../config/environments.ts';
import { type PreflightFetch, preflight } from './preflight.ts';
import { ACCEPT_RATE_LIMIT_VARIABLE, checkRateLimits, type RouteKey } from './rate-limit-check.ts';
import { peakConcurrency, type Stage, totalDuration } from '../load/model.ts';

export type { FlowName };
import { decodeStages } from '../load/stages.ts';
import type { Env } from '../config/env.ts';

/** Full-scale load against a guarded environment needs this set to the target's host name. */
export const CONFIRM_VARIABLE = 'LUNEO_CONFIRM_FULL_LOAD';
/** Against a guarded environment, up to this many concurrent users run without confirmation. */
export const UNGUARDED_PEAK = 200;

export interface RunPlan {
  scenario: FlowName;
  settings: RunSettings;
  profileName: string;
  stages: Stage[];
  credentials: Credentials | undefined;
  session: SessionState | undefined;
}


export function checkGuard(settings: RunSettings, stages: readonly Stage[], env: Env): void {
  const peak = peakConcurrency(stages);
  if (!settings.guarded || peak <= UNGUARDED_PEAK) return;
  const host = new URL(settings.baseUrl).hostname;
  if (env[CONFIRM_VARIABLE]?.trim() === host) return;
  throw new ConfigError(
    `refusing to send ${peak.toLocaleString('en-US')} concurrent users to ${settings.environment} (${host}) without confirmation. ` +
      `Nothing was sent. To confirm, run again with ${CONFIRM_VARIABLE}=${host}`,
  );
}

/** Request rate the profile should reach at its peak, from the flow's shape. */
export function expectedPeakRate(scenario: FlowName, settings: RunSettings, stages: readonly Stage[]): number {
  const flow: FlowDescription = FLOWS[scenario];
  return flow.peakRate(settings, sectionOf(flow, settings), peakConcurrency(stages));
}

export function banner(plan: RunPlan): string {
  const s = plan.settings;
  const peak = peakConcurrency(plan.stages);
  const flow = FLOWS[plan.scenario];
  const who = flow.users.concurrent;
  const rate = Math.round(expectedPeakRate(plan.scenario, s, plan.stages));
  return [
    `luneo-load-tests: ${plan.scenario} scenario`,
    `  environment  ${s.environment} (${s.description})`,
    `  target       ${s.baseUrl}${flow.usesWidget && flow.load ? `  widget ${s.widgetUrl}` : ''}`,
    `  dialect      ${s.dialect}`,
    `  profile      ${plan.profileName}: peak ${peak.toLocaleString('en-US')} concurrent ${who}, ${totalDuration(plan.stages)} s`,
    `  peak rate    about ${rate.toLocaleString('en-US')} requests/s`,
  ].join('\n');
}

export interface PrepareInput {
  scenario: FlowName;
  environment: unknown;
  scenarioFile: string | undefined;
  profileName: unknown;
  stagesText: unknown;
  env?: Env;
  probeTimeoutMs?: number;
  fetch?: PreflightFetch;
  /** where the preflight's notes go (rate limits accepted, validation refused) */
  warn?: (line: string) => void;
}

/** The first data row of a payload file next to scenarios/ (data/<name>.csv), as column → value. */
export function firstRow(scenarioFile: string | undefined, name: string, columns: readonly string[]): Record<string, string> {
  const dir = scenarioFile ? path.resolve(path.dirname(scenarioFile), '..', 'data') : path.resolve(process.cwd(), 'data');
  const file = path.join(dir, `${name}.csv`);
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const header = lines[0]?.split(',').map((c) => c.trim()) ?? [];
  const row = lines[1]?.split(',').map((c) => c.trim());
  if (!row) throw new ConfigError(`${file} has no data row: the preflight walks the flow with its first row`);
  const out: Record<string, string> = {};
  columns.forEach((c, i) => {
    const at = header.indexOf(c);
    out[c] = row[at >= 0 ? at : i] ?? '';
  });
  return out;
}

function unreachable(url: string, code: string, what: 'BASE_URL' | 'WIDGET_URL', base: string): ConfigError {
  return new ConfigError(`${what} ${base} is unreachable (${code} on ${url}). Is the target up? For the local sandbox: npm run sandbox. Nothing was sent.`);
}

export async function prepareRun(input: PrepareInput): Promise<RunPlan> {
  const env = input.env ?? process.env;
  const warn = input.warn ?? ((line: string) => console.warn(line));
  const settings = loadSettings(input.environment, environmentsDir(input.scenarioFile, env), env);
  let stages: Stage[];
  try {
    stages = decodeStages(input.stagesText);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  checkGuard(settings, stages, env);
  const flow: FlowDescription = FLOWS[input.scenario];
  const credentials = resolveCredentials(settings, flow, env);
  const gate = processGate();
  const policy = settings.rateLimit;
  let session: SessionState | undefined;
  let auth: AuthSession | undefined;
  if (credentials?.dialect === 'v1') {
    auth = new AuthSession({
      baseUrl: settings.baseUrl,
      email: credentials.email,
      password: credentials.password,
      deployment: settings.deployment,
      rateLimit: policy,
      gate,
      timeoutMs: input.probeTimeoutMs ?? 10_000,
    });
    try {
      session = await auth.login();
    } catch (err) {
      const m = /^cannot reach (\S+): (.*)$/.exec((err as Error).message);
      if (err instanceof AuthError && m) throw unreachable(m[1]!, m[2]!, 'BASE_URL', settings.baseUrl);
      throw new ConfigError(`login failed: ${(err as Error).message}. Check LUNEO_EMAIL and LUNEO_PASSWORD. Nothing was sent.`);
    }
  }
  const shop = firstRow(input.scenarioFile, 'shops', ['shop', 'origin']);
  const design = firstRow(input.scenarioFile, 'designs', ['designId', 'productId', 'brandId']);
  const walked = await preflight({
    flow: input.scenario,
    baseUrl: settings.baseUrl,
    widgetUrl: settings.widgetUrl,
    deployment: settings.deployment,
    policy,
    gate,
    bearer: async () => (auth ? auth.accessToken() : credentials?.dialect === 'seed' ? credentials.apiKey : undefined),
    shop: { shop: shop.shop!, origin: originForShop(shop.shop!, shop.origin) },
    render: renderInput(design, '2d', 'contract'),
    timeoutMs: input.probeTimeoutMs ?? 10_000,
    ...(input.fetch ? { fetch: input.fetch } : {}),
  });
  if (walked.failures.length > 0) {
    const down = walked.failures.length === 1 ? walked.failures[0] : undefined;
    if (down?.unreachable !== undefined) {
      const widget = down.step === 'widget';
      throw unreachable(down.url, down.unreachable, widget ? 'WIDGET_URL' : 'BASE_URL', widget ? settings.widgetUrl : settings.baseUrl);
    }
    throw new ConfigError(
      `preflight: one ${flow.users.one} walked the ${input.scenario} flow against ${settings.baseUrl} (dialect ${settings.dialect}) and it failed; no load was sent:\n` +
        walked.failures.map((f) => `  ${f.line}`).join('\n') +
        `\n  Check BASE_URL/WIDGET_URL, the dialect and the api.routes of environments/${settings.environment}.yml against the deployment (npx artillery run -e ${settings.environment} scenarios/contract.yml shows every route).`,
    );
  }
  for (const w of walked.warnings) warn(`luneo-load-tests: preflight: ${w}`);
  if (flow.load) {
    const hostOfRoute = (r: RouteKey) => hostOf(r === 'widget' ? settings.widgetUrl : settings.baseUrl);
    const finding = checkRateLimits(walked.observations, flow.routeRates(settings, sectionOf(flow, settings)), hostOfRoute, stages, settings);
    if (finding.limited || finding.slowedDown) {
      const head = `rate limits: this run would measure the platform's rate limiter, not the platform (${settings.environment}, ${settings.baseUrl}):`;
      if (env[ACCEPT_RATE_LIMIT_VARIABLE]?.trim() !== '1') {
        throw new ConfigError(`${head}\n  ${finding.lines.join('\n  ')}\n  No load was sent.`);
      }
      warn(`luneo-load-tests: ${head} accepted with ${ACCEPT_RATE_LIMIT_VARIABLE}=1:\n  ${finding.lines.join('\n  ')}`);
    }
  }
  return {
    scenario: input.scenario,
    settings,
    profileName: typeof input.profileName === 'string' ? input.profileName : 'custom',
    stages,
    credentials,
    session,
  };
}

/**
 * What happens once before any load (Artillery's `before` hook, in the main
 * thread): choose the environment, refuse what must not run, check the
 * target answers, log in, and say what is about to happen. Each refusal is
 * a ConfigError whose message tells the operator what to do.
 */
import { AuthSession, type SessionState } from '../api/auth-session.ts';
import { type Credentials, resolveCredentials } from '../api/credentials.ts';
import { parseJson, routes } from '../api/dialect.ts';
import { ConfigError, environmentsDir, loadSettings, type RunSettings } from './environments.ts';
import { peakConcurrency, type Stage, totalDuration } from '../load/model.ts';
import type { ScenarioName } from '../load/profiles.ts';

/** Load scenarios, plus the one-user contract check that walks every route once. */
export type FlowName = ScenarioName | 'contract';
import { decodeStages } from '../load/stages-codec.ts';

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

type Env = Readonly<Record<string, string | undefined>>;

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
  const peak = peakConcurrency(stages);
  const mid = (r: { min: number; max: number }) => (r.min + r.max) / 2;
  if (scenario === 'contract') return 1;
  if (scenario === 'embed') {
    // 3 requests per page view; a page view lasts the two pauses plus ~3 round trips.
    const viewSec = (mid(settings.embed.iframeDelayMs) + mid(settings.embed.viewMs)) / 1000 + 0.15;
    return (3 * peak) / viewSec;
  }
  // A render: one enqueue, then a poll every few seconds until done; think between renders.
  const pollSec = Math.max(0.5, settings.render.poll.initialMs / 1000) * 2;
  return peak / pollSec;
}

export function banner(plan: RunPlan): string {
  const s = plan.settings;
  const peak = peakConcurrency(plan.stages);
  const who = { embed: 'visitors', render: 'renders in flight', contract: 'user' }[plan.scenario];
  const rate = Math.round(expectedPeakRate(plan.scenario, s, plan.stages));
  return [
    `luneo-load-tests: ${plan.scenario} scenario`,
    `  environment  ${s.environment} (${s.description})`,
    `  target       ${s.baseUrl}${plan.scenario === 'embed' ? `  widget ${s.widgetUrl}` : ''}`,
    `  dialect      ${s.dialect}`,
    `  profile      ${plan.profileName}: peak ${peak.toLocaleString('en-US')} concurrent ${who}, ${totalDuration(plan.stages)} s`,
    `  peak rate    about ${rate.toLocaleString('en-US')} requests/s`,
  ].join('\n');
}

async function probe(settings: RunSettings, timeoutMs: number): Promise<void> {
  const url = settings.baseUrl + routes.health(settings.dialect);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new ConfigError(`BASE_URL ${settings.baseUrl} is unreachable (${cause} on ${url}). Is the target up? For the local sandbox: npm run sandbox. Nothing was sent.`);
  }
  const body = await res.text();
  if (res.status >= 500 || res.status === 404) {
    throw new ConfigError(`health check ${url} answered HTTP ${res.status}: is BASE_URL right, and is it the ${settings.dialect} dialect? Nothing was sent.`);
  }
  if (!parseJson(body).ok) {
    throw new ConfigError(`health check ${url} did not answer JSON (HTTP ${res.status}): BASE_URL must be the API, not a web page. Nothing was sent.`);
  }
}

export interface PrepareInput {
  scenario: FlowName;
  environment: unknown;
  scenarioFile: string | undefined;
  profileName: unknown;
  stagesText: unknown;
  env?: Env;
  probeTimeoutMs?: number;
}

export async function prepareRun(input: PrepareInput): Promise<RunPlan> {
  const env = input.env ?? process.env;
  const settings = loadSettings(input.environment, environmentsDir(input.scenarioFile, env), env);
  let stages: Stage[];
  try {
    stages = decodeStages(input.stagesText);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  checkGuard(settings, stages, env);
  // The contract check walks the render routes too, so it needs their credentials.
  const credentials = resolveCredentials(settings, input.scenario === 'embed' ? 'embed' : 'render', env);
  await probe(settings, input.probeTimeoutMs ?? 5000);
  let session: SessionState | undefined;
  if (credentials?.dialect === 'v1') {
    try {
      session = await new AuthSession({ baseUrl: settings.baseUrl, email: credentials.email, password: credentials.password }).login();
    } catch (err) {
      throw new ConfigError(`login failed: ${(err as Error).message}. Check LUNEO_EMAIL and LUNEO_PASSWORD. Nothing was sent.`);
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

/**
 * Credentials come from environment variables only, never from files in
 * the repository. Against the sandbox they fall back to the sandbox's
 * built-in fake ones, so that a local run needs no set-up.
 */
import { OBSERVE_SECRET_VARIABLES } from '../observe/variables.ts';
import type { Dialect } from './dialect.ts';
import { ConfigError, type RunSettings } from '../config/environments.ts';
import type { Env } from '../config/env.ts';

/** The sandbox's built-in credentials (fake, printed in its banner). */
export const SANDBOX_CREDENTIALS = {
  apiKey: 'sandbox-api-key',
  email: 'loadtest@luneo.local',
  password: 'sandbox-password',
} as const;

export type Credentials =
  | { dialect: 'seed'; apiKey: string }
  | { dialect: 'v1'; email: string; password: string };


/** What the flow needs: v1 always logs in; in the seed dialect only some routes want the API key (the embed path is public). */
export function resolveCredentials(settings: RunSettings, flow: { title: string; seedNeedsApiKey: boolean }, env: Env = process.env): Credentials | undefined {
  const dialect: Dialect = settings.dialect;
  const fallback = settings.sandbox;
  if (dialect === 'seed') {
    if (!flow.seedNeedsApiKey) return undefined;
    const apiKey = env.API_KEY?.trim() || (fallback ? SANDBOX_CREDENTIALS.apiKey : undefined);
    if (!apiKey) {
      throw new ConfigError(
        `API_KEY is not set: ${flow.title} needs a bearer API key for ${settings.environment} (${settings.baseUrl}). ` +
          'Set it in the environment (API_KEY=... npx artillery run ...) or, in CI, from the repository secret LUNEO_API_KEY. No request was sent.',
      );
    }
    return { dialect, apiKey };
  }
  const email = env.LUNEO_EMAIL?.trim() || (fallback ? SANDBOX_CREDENTIALS.email : undefined);
  const password = env.LUNEO_PASSWORD || (fallback ? SANDBOX_CREDENTIALS.password : undefined);
  if (!email || !password) {
    throw new ConfigError(
      `LUNEO_EMAIL and LUNEO_PASSWORD must be set: dialect v1 logs in before the test against ${settings.environment} (${settings.baseUrl}). ` +
        'In CI they come from the repository secrets LUNEO_EMAIL and LUNEO_PASSWORD. No request was sent.',
    );
  }
  return { dialect, email, password };
}

/** The variables the credentials come from (resolveCredentials): each distributed worker needs them too. */
export const CREDENTIAL_VARIABLES = ['API_KEY', 'LUNEO_EMAIL', 'LUNEO_PASSWORD'] as const;

/** The secret environment variables a run may use; their values are redacted from everything it prints or writes. */
export const SECRET_VARIABLES = [...CREDENTIAL_VARIABLES, 'ARTILLERY_CLOUD_API_KEY', 'LUNEO_DATADOG_API_KEY', 'LUNEO_SANDBOX_POSTGRES_URL', 'LUNEO_SANDBOX_REDIS_URL', ...OBSERVE_SECRET_VARIABLES] as const;

/** A connection string's password, as written and decoded: a driver's message may quote either. */
function urlPasswords(value: string | undefined): string[] {
  if (!value) return [];
  try {
    const u = new URL(value.trim());
    return u.password ? [u.password, decodeURIComponent(u.password)] : [];
  } catch {
    return [];
  }
}

export function secretsFromEnv(env: Env = process.env): string[] {
  const values = SECRET_VARIABLES.map((name) => env[name]);
  return secretValues([...values, ...values.flatMap(urlPasswords)]);
}

/**
 * Credentials as a worker (or the main thread's sampler) finds them: the
 * before hook already refused a run without them, so the sandbox fallback
 * only ever applies to the sandbox.
 */
export function runtimeCredentials(env: Env = process.env): { apiKey: string; email: string; password: string } {
  return {
    apiKey: env.API_KEY?.trim() || SANDBOX_CREDENTIALS.apiKey,
    email: env.LUNEO_EMAIL?.trim() || SANDBOX_CREDENTIALS.email,
    password: env.LUNEO_PASSWORD || SANDBOX_CREDENTIALS.password,
  };
}

/** The values worth redacting: set, and long enough that replacing them cannot garble ordinary text. */
export function secretValues(values: readonly (string | undefined)[]): string[] {
  // Both as set and as sent: credentials are trimmed before use, so "pw\n" goes out as "pw". The untrimmed form first, so it is replaced whole.
  const forms = values.flatMap((v) => (typeof v === 'string' ? [v, v.trim()] : []));
  return [...new Set(forms)].filter((v) => v.length >= 4);
}

/** Replace every known secret and anything that looks like a bearer token or JWT. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  out = out.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[redacted]');
  out = out.replace(/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, '[redacted-jwt]');
  return out;
}

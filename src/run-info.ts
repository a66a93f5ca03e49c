/**
 * What the `before` hook learned (environment, dialect, target), handed to
 * the luneo plugin, which runs in the same main thread and writes it into
 * the results. Only non-secret fields.
 */
import type { SessionState } from './auth-session.ts';

export interface RunInfo {
  scenario: string;
  environment: string;
  dialect: string;
  baseUrl: string;
  widgetUrl: string;
  profile: string;
  stages: string;
  peakUsers: number;
  expectedPeakRate: number;
  /** epoch ms the users' departure clock starts from */
  epochMs: number;
}

const KEY = Symbol.for('luneo-load-tests.run-info');

export function publishRunInfo(info: RunInfo): void {
  (globalThis as Record<symbol, unknown>)[KEY] = info;
}

export function readRunInfo(): RunInfo | undefined {
  return (globalThis as Record<symbol, unknown>)[KEY] as RunInfo | undefined;
}

const SESSION_KEY = Symbol.for('luneo-load-tests.platform-session');

/**
 * The before hook's v1 session, for the luneo plugin's sampling of the
 * platform's metrics in the same main thread. Kept apart from RunInfo on
 * purpose: RunInfo is written into the results file, tokens must not be.
 */
export function publishPlatformSession(session: SessionState): void {
  (globalThis as Record<symbol, unknown>)[SESSION_KEY] = { ...session };
}

export function readPlatformSession(): SessionState | undefined {
  const s = (globalThis as Record<symbol, unknown>)[SESSION_KEY] as SessionState | undefined;
  return s === undefined ? undefined : { ...s };
}

/**
 * What the `before` hook learned (environment, dialect, target), handed to
 * the luneo plugin, which runs in the same main thread and writes it into
 * the results. Only non-secret fields.
 */
import type { Deployment } from '../api/dialect.ts';
import type { RateLimitPolicy } from '../api/retry-after.ts';
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

/** What the main thread's platform-metrics sampler needs beyond RunInfo: kept out of the results file. */
export interface RunAccess {
  deployment: Deployment;
  rateLimit: RateLimitPolicy;
}

const ACCESS_KEY = Symbol.for('luneo-load-tests.run-access');

export function publishRunAccess(access: RunAccess): void {
  (globalThis as Record<symbol, unknown>)[ACCESS_KEY] = access;
}

export function readRunAccess(): RunAccess | undefined {
  return (globalThis as Record<symbol, unknown>)[ACCESS_KEY] as RunAccess | undefined;
}

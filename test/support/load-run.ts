/**
 * Integration-test harness: a sandbox on free loopback ports, Artillery
 * runs against it at a tiny bounded profile, and the run's results file.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Sandbox, startSandbox } from '../../sandbox/index.ts';
import type { SandboxOptionsInput } from '../../sandbox/types.ts';
import type { Stage } from '../../src/load-model.ts';
import type { FlowName } from '../../src/run-setup.ts';
import { type ArtilleryRunResult, ROOT, runArtillery } from '../../scripts/artillery-run.ts';

/** 6 users for 6 s, then they leave: enough requests for the checks, quick to run. */
export const TINY: Stage[] = [
  { duration: 2, target: 6 },
  { duration: 4, target: 6 },
  { duration: 1, target: 0 },
];

export async function withSandbox<T>(options: SandboxOptionsInput, fn: (sb: Sandbox) => Promise<T>): Promise<T> {
  const sb = await startSandbox({ render: { timeFactor: 0.02 }, ...options });
  try {
    return await fn(sb);
  } finally {
    await sb.stop();
  }
}

/**
 * A copy of environments/ with `local.yml` extended by `localExtra` (YAML
 * text appended), so a test can shorten pauses or deadlines.
 */
export function environmentsWith(localExtra: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'luneo-env-'));
  for (const name of ['local', 'ci', 'staging', 'prod']) {
    let text = readFileSync(path.join(ROOT, 'environments', `${name}.yml`), 'utf8');
    if (name === 'local') text += `\n${localExtra}\n`;
    writeFileSync(path.join(dir, `${name}.yml`), text);
  }
  return dir;
}

export interface LoadRunOptions {
  scenario: FlowName;
  sandbox?: Sandbox;
  dialect?: 'seed' | 'v1';
  environment?: string;
  stages?: Stage[] | null;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

export function freshResultsDir(): string {
  const dir = path.join(os.tmpdir(), `luneo-results-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function loadRun(o: LoadRunOptions): Promise<ArtilleryRunResult> {
  const env: Record<string, string | undefined> = { LUNEO_DIALECT: o.dialect ?? 'seed', ...o.env };
  if (o.sandbox) {
    env.BASE_URL ??= o.sandbox.apiUrl;
    env.WIDGET_URL ??= o.sandbox.widgetUrl;
  }
  const run: Parameters<typeof runArtillery>[0] = {
    scenario: o.scenario,
    environment: o.environment ?? 'local',
    resultsDir: freshResultsDir(),
    timeoutMs: o.timeoutMs ?? 120_000,
    env,
  };
  if (o.stages !== null) run.stages = o.stages ?? TINY;
  run.profileName = 'test-tiny';
  return runArtillery(run);
}

export function counter(r: ArtilleryRunResult, name: string): number {
  return r.results?.aggregate.counters[name] ?? 0;
}

export function failedChecks(r: ArtilleryRunResult): string[] {
  return (r.results?.luneo.checks ?? []).filter((c) => !c.passed).map((c) => c.expression);
}

/** For assertion messages: the end of Artillery's output. */
export function tail(r: ArtilleryRunResult, lines = 40): string {
  return r.output.split('\n').slice(-lines).join('\n');
}

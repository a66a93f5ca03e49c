/**
 * Integration-test harness: a sandbox on free loopback ports, Artillery
 * runs against it at a tiny bounded profile, and the run's results file.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
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
 * Short pauses between a visitor's page views: the fault tests need many
 * page views in a few seconds, so that a fault injected at a few percent
 * shows every time (about 140 views instead of 17).
 */
export const QUICK_PAGES = 'embed:\n  iframeDelayMs: [0, 50]\n  viewMs: [100, 300]';

/** Render users that think 100–300 ms between renders: more jobs in a short run. */
export const QUICK_RENDERS = 'render:\n  thinkMs: [100, 300]';

function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/**
 * A copy of environments/ whose `local.yml` has the settings of each YAML
 * text deep-merged in, for LUNEO_ENVIRONMENTS_DIR: a test can shorten
 * pauses or deadlines without touching the real files.
 */
export function environmentsWith(...localExtras: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'luneo-env-'));
  for (const name of ['local', 'ci', 'staging', 'prod']) {
    let doc = parseYaml(readFileSync(path.join(ROOT, 'environments', `${name}.yml`), 'utf8')) as Record<string, unknown>;
    if (name === 'local') for (const extra of localExtras) doc = deepMerge(doc, (parseYaml(extra) ?? {}) as Record<string, unknown>);
    writeFileSync(path.join(dir, `${name}.yml`), stringifyYaml(doc));
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

/**
 * Integration-test harness: a sandbox on free loopback ports, Artillery
 * runs against it at a tiny bounded profile, and the run's results file.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { type Sandbox, startSandbox } from '../../sandbox/index.ts';
import type { SandboxOptionsInput } from '../../sandbox/types.ts';
import type { Stage } from '../../src/load/model.ts';
import type { FlowName } from '../../src/before/setup.ts';
export { environmentsWith } from '../../src/config/environment-overlay.ts';
import { type ArtilleryRunResult, runArtillery } from '../../scripts/artillery-run.ts';

/**
 * Every Artillery the tests start runs a known number of local worker
 * threads, 1 by default and 3 with LUNEO_TEST_WORKERS=3, whatever the
 * machine: Artillery runs max(1, CPUs - 1), and a preload makes os.cpus()
 * report workers + 1.
 */
export const TEST_WORKERS: 1 | 3 = process.env.LUNEO_TEST_WORKERS?.trim() === '3' ? 3 : 1;
/** Appended to the names of the suites that run with each worker count, so that the two runs read apart. */
export const WORKERS_LABEL = TEST_WORKERS === 3 ? ' (3 workers)' : '';
const CPUS_PRELOAD = pathToFileURL(path.join(import.meta.dirname, 'cpus.mjs')).href;

/** The environment that gives a spawned Artillery `workers` local worker threads. */
export function workersEnv(workers: 1 | 3 = TEST_WORKERS, base: Record<string, string | undefined> = process.env): Record<string, string> {
  return { NODE_OPTIONS: `${base.NODE_OPTIONS ?? ''} --import=${CPUS_PRELOAD}`.trim(), LUNEO_TEST_CPUS: String(workers + 1) };
}

/** 6 users for 6 s, then they leave: enough requests for the checks, quick to run. */
export const TINY: Stage[] = [
  { duration: 2, target: 6 },
  { duration: 4, target: 6 },
  { duration: 1, target: 0 },
];

/**
 * The test runner runs several files at once, and the embed and render
 * files two tests at a time: most load runs are a few users who mostly
 * wait. A few runs judge the generator itself, and CPU priorities (Unix
 * nice, see nodeCommand) keep the others out of their way, where a lock
 * would leave the machine idle while it waits for the running ones to end:
 * - `measured` (nice 0): the healthy peak, whose verdict says the generator
 *   kept up with a load it can carry: every other run yields to it;
 * - `shared` (nice 10): every other run, the tests' own Artillery children
 *   and load scripts;
 * - `hog` (nice 19): the overload on purpose, which must not starve the
 *   runs beside it and is only more overloaded for yielding to them.
 * The sandboxes live in the test files' own processes, at nice 0, so a
 * target answers at its pace whatever the generators beside it do.
 */
export const PRIORITY = { measured: 0, shared: 10, hog: 19 } as const;
export type Priority = keyof typeof PRIORITY;

/**
 * A request that reaches the sandbox after its 429 was sent was still sent
 * in time if the generator had not yet read that 429 when it let the
 * request go: with three worker threads at nice 10 on a busy machine,
 * reading and acting on it took 107 ms once (a render enqueue from another
 * worker, "early" by 51.9 of 52 s). A request the generator sends after it
 * knows is late by more: a thread that ignored the gate, or a wait cut
 * short, sends during the whole wait. Three times what was seen, and well
 * inside the 1-s Retry-After most tests give, so that those still catch a
 * request that did not wait; the same for every wait, however long.
 */
export const IN_FLIGHT_GRACE_MS = 300;

/**
 * A sandbox for a load run: clients identified by address, as the
 * platform's limiters count them (a 429 to one visitor holds the whole
 * generator), and the in-flight grace above.
 */
export async function withSandbox<T>(options: SandboxOptionsInput, fn: (sb: Sandbox) => Promise<T>): Promise<T> {
  const sb = await startSandbox({ render: { timeFactor: 0.02 }, earlyRetryGraceMs: IN_FLIGHT_GRACE_MS, clientIdentity: 'address', ...options });
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

export interface LoadRunOptions {
  scenario: FlowName;
  sandbox?: Sandbox;
  dialect?: 'seed' | 'v1';
  environment?: string;
  stages?: Stage[] | null;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** extra arguments for artillery run, e.g. ['-o', file] */
  extraArgs?: string[];
  /** CPU priority of the run (PRIORITY); 'shared' unless the run's verdict is about its generator */
  priority?: Priority;
}

export function freshResultsDir(): string {
  const dir = path.join(os.tmpdir(), `luneo-results-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function loadRun(o: LoadRunOptions): Promise<ArtilleryRunResult> {
  const env: Record<string, string | undefined> = { LUNEO_DIALECT: o.dialect ?? 'seed', ...workersEnv(), ...o.env };
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
  if (o.extraArgs) run.extraArgs = o.extraArgs;
  run.profileName = 'test-tiny';
  run.niceness = PRIORITY[o.priority ?? 'shared'];
  const expected = Number(env.LUNEO_TEST_CPUS) - 1;
  return runArtillery(run).then((r) => {
    // Every load run of the suite ends by itself: one killed at its time limit proves nothing of what it checks.
    if (r.timedOut) throw new Error(`the run did not end by itself within ${(run.timeoutMs ?? 0) / 1000} s:\n${tail(r)}`);
    assertWorkers(r, expected);
    return r;
  });
}

/**
 * The run proves how many workers ran: each worker that had users counts
 * itself once (luneo_workers, summed over workers by Artillery). A run
 * that created at least as many users as workers were asked for must show
 * exactly that many; a preload that did not take (a lost NODE_OPTIONS) runs
 * one worker on a 2-core machine and fails here.
 */
export function assertWorkers(r: ArtilleryRunResult, expected: number): void {
  const created = counter(r, 'vusers.created');
  if (!r.results || !Number.isInteger(expected) || expected < 1 || created < expected) return;
  const ran = r.results.luneo.workers;
  if (ran !== expected) throw new Error(`expected ${expected} local Artillery worker(s), the run's results show ${ran ?? 'none'} (${created} users created): is the os.cpus() preload (test/support/cpus.mjs) still in NODE_OPTIONS?`);
}

/**
 * Requests the before hook's preflight sends before any load (one walk of
 * the flow): the sandbox sees them, the run's counters do not. An embed
 * walk (seed, no health route) is token, widget document and validation.
 */
export const PREFLIGHT_WALK = { validations: 1, widgetDocuments: 1, enqueues: 1, embedRequests: 3 } as const;

/** Resolves when `condition` holds, checked every 50 ms; rejects after `timeoutMs`, so that a wait always ends. */
export async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs / 1000} s`);
    await sleep(50);
  }
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

/**
 * A sandbox in a process of its own (`sandbox/cli.ts` on free ports), for a
 * run whose flood of requests must not share an event loop with the
 * sandboxes of the runs beside it: the deliberate overload's target would
 * otherwise slow the healthy run's target in the same test process.
 */
export async function withSandboxProcess<T>(args: readonly string[], fn: (urls: { apiUrl: string; widgetUrl: string }) => Promise<T>): Promise<T> {
  const cli = path.join(import.meta.dirname, '..', '..', 'sandbox', 'cli.ts');
  const child = spawn(process.execPath, [cli, '--port', '0', '--widget-port', '0', '--time-factor', '0.02', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    const urls = await new Promise<{ apiUrl: string; widgetUrl: string }>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the sandbox process did not start within 30 s:\n${out}`)), 30_000);
      const onData = (b: Buffer) => {
        out += b.toString();
        const api = /^\s*API\s+(http:\/\/\S+)/m.exec(out)?.[1];
        const widget = /^\s*Widget\s+(http:\/\/\S+)/m.exec(out)?.[1];
        if (api && widget) {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          child.stdout.resume();
          resolve({ apiUrl: api, widgetUrl: widget });
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      child.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`the sandbox process exited ${code} before it started:\n${out}`));
      });
    });
    return await fn(urls);
  } finally {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  }
}

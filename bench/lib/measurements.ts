/**
 * The bench's five measurements, each against the one sandbox process:
 * generator CPU per 1,000 requests at a moderate rate, max sustained rate
 * on one worker (and its CPU saturated), memory per thinking user, the
 * sandbox's own capacity, and one worker at its share of the prod profile. The first two run the embed flow three ways side
 * by side: the luneo engine, Artillery's stock HTTP engine (the same
 * scenario, LUNEO_ENGINE=http), and a raw undici loop as the floor.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { RESULT_FILES } from '../../src/results/recorder.ts';
import { METRICS } from '../../src/metric-names.ts';
import { type Stage, totalDuration } from '../../src/load/model.ts';
import { processorBundle, profileOverrides } from '../../scripts/artillery-run.ts';
import { environmentsWith } from '../../src/config/environment-overlay.ts';
import { loadSettings } from '../../src/config/environments.ts';
import { type ArtilleryOutcome, runArtilleryJob } from './artillery.ts';
import { spawnBounded } from './children.ts';
import {
  achievedRate,
  bestPeriodRate,
  coresUsed,
  failedShare,
  type Marginal,
  marginalCost,
  medianRssKb,
  nthPhase,
  phaseStretch,
  periodMostlyIn,
  phaseWindow,
  requestsOf,
  steadyCpuMsPer1000,
  threadCores,
  usersAlive,
  type Window,
} from './figures.ts';
import type { BenchPlan } from './plan.ts';
import { machineCpu, processCpuSeconds } from './proc.ts';
import type { SandboxProcess } from './sandbox.ts';

export interface BenchContext {
  root: string;
  plan: BenchPlan;
  sandbox: SandboxProcess;
  runsDir: string;
  /** environment copies to delete at the end */
  tempDirs: string[];
  log(msg: string): void;
}

export interface RunRecord {
  label: string;
  usable: boolean;
  problems: string[];
  exitCode: number | null;
  timedOut: boolean;
  wallSeconds: number;
  cpuSeconds?: number;
  requests: number;
  /** requests the sandbox counted during the run (a check on Artillery's count) */
  sandboxCounted?: number;
  failedShare: number;
  verdict?: string;
  generatorProblems: string[];
  /** the luneo plugin's event-loop utilisation of the worker (median over periods), 0..1 */
  workerBusyShare?: number;
  loadSeconds?: number;
  /** cores used during the load: Artillery (and its main and worker threads), the sandbox, and everything else on the machine */
  cores: { generator?: number; mainThread?: number; workerThread?: number; sandbox?: number; others?: number; idle?: number };
  resultsFile: string;
}

// ---------------------------------------------------------------------------
// running

const HOLD = /\(hold\)/;

function cleanEnv(root: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Nothing from the operator's shell may redirect a bench run: no other target or
  // environment files, no cloud recording, no proxy between the generator and loopback.
  for (const k of Object.keys(env)) {
    if (/^(LUNEO_|ARTILLERY_CLOUD|ARTILLERY_KEY|WORKERS$|BASE_URL$|WIDGET_URL$|API_KEY$|NODE_OPTIONS$|(HTTPS?|ALL)_PROXY$)/i.test(k)) delete env[k];
  }
  env.ARTILLERY_DISABLE_TELEMETRY = '1';
  env.NO_PROXY = '127.0.0.1,localhost';
  env.no_proxy = '127.0.0.1,localhost';
  env.PATH = `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${env.PATH ?? ''}`;
  return { ...env, ...extra };
}

async function sandboxRequests(sb: SandboxProcess): Promise<number | undefined> {
  try {
    const res = await fetch(`${sb.apiUrl}/__admin/stats`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { requests?: { total?: number } };
    return body.requests?.total;
  } catch {
    return undefined;
  }
}

function loadWindow(o: ArtilleryOutcome): Window | undefined {
  return phaseWindow(o.phases, () => true);
}

async function recordRun(ctx: BenchContext, o: ArtilleryOutcome, resultsPath: string, before: number | undefined): Promise<RunRecord> {
  const after = await sandboxRequests(ctx.sandbox);
  const r = o.results;
  const problems: string[] = [];
  if (o.timedOut) problems.push('timed out and was killed');
  if (!r) problems.push(`no results file (exit code ${o.code}); output ends with:\n${o.outputTail}`);
  if (o.cpuSeconds === undefined && !o.timedOut) problems.push('no CPU time from bash `times`');
  const fs = failedShare(r);
  if (r && fs > 0.01) problems.push(`${(fs * 100).toFixed(1)} % of requests failed`);
  const w = loadWindow(o);
  const cores: RunRecord['cores'] = {};
  if (w) {
    const g = coresUsed(o.samples, w, (s) => s.cpu);
    const sb = coresUsed(o.samples, w, (s) => s.sandboxCpu);
    const m = coresUsed(o.samples, w, (s) => s.machineBusy);
    if (g !== undefined) cores.generator = g;
    if (sb !== undefined) cores.sandbox = sb;
    if (m !== undefined && g !== undefined && sb !== undefined) cores.others = Math.max(0, m - g - sb);
    if (m !== undefined) cores.idle = Math.max(0, os.cpus().length - m);
    const t = threadCores(o.samples, w, o.pid);
    if (t.main !== undefined) cores.mainThread = t.main;
    if (t.worker !== undefined) cores.workerThread = t.worker;
  }
  const rec: RunRecord = {
    label: o.label,
    usable: problems.length === 0,
    problems,
    exitCode: o.code,
    timedOut: o.timedOut,
    wallSeconds: o.wallSeconds,
    requests: requestsOf(r),
    failedShare: fs,
    generatorProblems: r?.luneo.generator.problems ?? [],
    cores,
    resultsFile: resultsPath,
  };
  if (o.cpuSeconds !== undefined) rec.cpuSeconds = o.cpuSeconds;
  if (before !== undefined && after !== undefined) rec.sandboxCounted = after - before;
  if (r) rec.verdict = r.luneo.verdict.kind;
  if (r?.luneo.generator.busyShare !== undefined) rec.workerBusyShare = r.luneo.generator.busyShare;
  if (w) rec.loadSeconds = (w.to - w.from) / 1000;
  const c = (n: number | undefined) => (n === undefined ? '?' : n.toFixed(2));
  ctx.log(
    `  ${o.label}: ${rec.requests} requests, CPU ${o.cpuSeconds?.toFixed(2) ?? '?'} s, wall ${o.wallSeconds.toFixed(0)} s, ` +
      `cores: generator ${c(cores.generator)} (worker thread ${c(cores.workerThread)}, main ${c(cores.mainThread)}), sandbox ${c(cores.sandbox)}, others ${c(cores.others)}, idle ${c(cores.idle)}` +
      `${rec.sandboxCounted !== undefined ? `, sandbox counted ${rec.sandboxCounted}` : ''}` +
      `${rec.verdict ? `, verdict ${rec.verdict}` : ''}${problems.length ? ` — PROBLEM: ${problems.join('; ')}` : ''}`,
  );
  return rec;
}

function runDir(ctx: BenchContext, label: string): string {
  const dir = path.join(ctx.runsDir, label);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function embedOverrides(stages: Stage[], label: string): string {
  const o = profileOverrides(stages, `bench-${label}`);
  o.config.processor = processorBundle('embed');
  return JSON.stringify(o);
}

/** Which engine runs scenarios/embed.yml: the package's own, or Artillery's stock HTTP engine (LUNEO_ENGINE=http). */
export type Engine = 'luneo' | 'http';

/** The package's embed flow (scenarios/embed.yml, local environment) against the bench sandbox. */
async function embedRun(ctx: BenchContext, label: string, stages: Stage[], embedSettings: string, timeoutMs: number, engine: Engine = 'luneo'): Promise<{ o: ArtilleryOutcome; rec: RunRecord }> {
  const envDir = environmentsWith(embedSettings);
  ctx.tempDirs.push(envDir);
  const dir = runDir(ctx, label);
  const file = path.join(dir, RESULT_FILES.embed ?? 'load-test-results.json');
  const before = await sandboxRequests(ctx.sandbox);
  const o = await runArtilleryJob(ctx.root, {
    label,
    args: ['-e', 'local', '--overrides', embedOverrides(stages, label), path.join('scenarios', 'embed.yml')],
    env: cleanEnv(ctx.root, {
      LUNEO_RESULTS_DIR: dir,
      LUNEO_ENVIRONMENTS_DIR: envDir,
      BASE_URL: ctx.sandbox.apiUrl,
      WIDGET_URL: ctx.sandbox.widgetUrl,
      LUNEO_DIALECT: 'seed',
      LUNEO_ENGINE: engine,
      // BENCH_CPU_PROF=1: V8 CPU profiles of every thread (the worker's included) beside the run's results, for chasing a cost.
      ...(process.env.BENCH_CPU_PROF === '1' ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.join(dir, 'profiles')}` } : {}),
    }),
    resultsFile: file,
    timeoutMs,
    sandboxPid: ctx.sandbox.pid,
  });
  return { o, rec: await recordRun(ctx, o, file, before) };
}

export interface RawRun {
  label: string;
  lanes: number;
  pageMs: number;
  requests: number;
  requestsPerSecond?: number;
  /** CPU of the loop's process over its measured window, per 1,000 requests */
  cpuMsPer1000?: number;
  rssMb?: number;
  /** requests the sandbox counted while the loop ran (warm-up included) */
  sandboxCounted?: number;
  /** cores the sandbox used while the loop ran: near 1, the sandbox and not the loop set the rate */
  sandboxCores?: number;
  usable: boolean;
  problems: string[];
}

interface RawReport {
  requests: number;
  failed: number;
  errors: number;
  requestsPerSecond: number;
  cpuMsPer1000: number | null;
  rssMb: number;
}

/**
 * One of the bench's standalone clients (bench/<script>) against the bench
 * sandbox, bounded in time: its last line on stdout is its JSON report.
 */
async function standaloneClient(
  ctx: BenchContext,
  script: string,
  args: string[],
  timing: { seconds: number; warmupSeconds: number },
  /** seconds the client spends before its warm-up (lanes arriving), added to its time bound */
  rampSeconds = 0,
): Promise<{ exit: { code: number | null; timedOut: boolean }; last: string; errText: string }> {
  const run = spawnBounded(
    process.execPath,
    [path.join(ctx.root, 'bench', script), '--api', ctx.sandbox.apiUrl, '--widget', ctx.sandbox.widgetUrl, ...args, '--seconds', String(timing.seconds), '--warmup', String(timing.warmupSeconds)],
    { cwd: ctx.root, env: cleanEnv(ctx.root, {}), stdio: ['ignore', 'pipe', 'pipe'] },
    (timing.seconds + timing.warmupSeconds + rampSeconds) * 1000 + 60_000,
  );
  let last = '';
  let errText = '';
  if (run.child.stdout) createInterface({ input: run.child.stdout }).on('line', (l) => (last = l.trim() || last));
  run.child.stderr?.on('data', (b: Buffer) => (errText = (errText + b.toString()).slice(-2000)));
  return { exit: await run.exited, last, errText };
}

/** The production pace for the raw loop: the scenario's pauses, drawn per page view, and lanes arriving as the ramp does. */
interface RawPace {
  iframeMs: readonly [number, number];
  viewMs: readonly [number, number];
  arrivalsPerSecond: number;
}

/** bench/raw-undici-loop.ts: `lanes` looping visitors, `pageMs` between handshakes (or the prod `pace`), no Artillery. */
async function rawRun(ctx: BenchContext, label: string, lanes: number, pageMs: number, pace?: RawPace, p: { seconds: number; warmupSeconds: number } = ctx.plan.raw): Promise<RawRun> {
  const before = await sandboxRequests(ctx.sandbox);
  const sbBefore = processCpuSeconds(ctx.sandbox.pid);
  const t0 = Date.now();
  const paceArgs = pace ? ['--iframe-ms', pace.iframeMs.join('-'), '--view-ms', pace.viewMs.join('-'), '--arrivals', String(pace.arrivalsPerSecond)] : ['--view-ms', String(pageMs)];
  // The lanes' ramp comes before the warm-up: the client's time bound includes it.
  const rampSeconds = pace ? lanes / pace.arrivalsPerSecond : 0;
  const { exit, last, errText } = await standaloneClient(ctx, 'raw-undici-loop.ts', ['--lanes', String(lanes), ...paceArgs], p, rampSeconds);
  const sbAfter = processCpuSeconds(ctx.sandbox.pid);
  const wall = (Date.now() - t0) / 1000;
  const after = await sandboxRequests(ctx.sandbox);
  const out: RawRun = { label, lanes, pageMs, requests: 0, usable: false, problems: [] };
  if (sbBefore !== undefined && sbAfter !== undefined) out.sandboxCores = (sbAfter - sbBefore) / wall;
  if (exit.timedOut || exit.code !== 0) {
    out.problems.push(`${label}: ${exit.timedOut ? 'timed out' : `exited ${exit.code}`}: ${errText.trim()}`);
    return out;
  }
  const rep = JSON.parse(last) as RawReport;
  out.requests = rep.requests;
  out.requestsPerSecond = rep.requestsPerSecond;
  if (rep.cpuMsPer1000 !== null) out.cpuMsPer1000 = rep.cpuMsPer1000;
  out.rssMb = rep.rssMb;
  if (before !== undefined && after !== undefined) out.sandboxCounted = after - before;
  if (rep.errors + rep.failed > rep.requests * 0.01) out.problems.push(`${label}: ${rep.errors} errors and ${rep.failed} failed answers out of ${rep.requests}`);
  // Saturated, the loop must be what limits: a sandbox near a full core held it back, and a loop that waits on
  // its server reads several answers per turn of its event loop, so each costs it less (26 against 34-37 ms seen).
  if (pageMs === 0 && !pace && out.sandboxCores !== undefined && out.sandboxCores > 0.9) {
    out.problems.push(`${label}: the sandbox used ${out.sandboxCores.toFixed(2)} cores: it, not the loop, set the rate, and the loop's cost per request reads low`);
  }
  out.usable = out.problems.length === 0 && out.cpuMsPer1000 !== undefined;
  ctx.log(`  ${label}: ${rep.requests} requests in ${p.seconds} s (${rep.requestsPerSecond.toFixed(0)} req/s), CPU ${out.cpuMsPer1000?.toFixed(0) ?? '?'} ms per 1,000, RSS ${rep.rssMb.toFixed(0)} MB, sandbox ${out.sandboxCores?.toFixed(2) ?? '?'} cores${out.problems.length ? ` — PROBLEM: ${out.problems.join('; ')}` : ''}`);
  return out;
}

/** The embed page pauses as an environment overlay (environmentsWith). */
const embedPauses = (iframeDelayMs: readonly [number, number], viewMs: readonly [number, number]) =>
  `embed:\n  iframeDelayMs: [${iframeDelayMs[0]}, ${iframeDelayMs[1]}]\n  viewMs: [${viewMs[0]}, ${viewMs[1]}]`;
const noPauses = (viewMs: [number, number]) => embedPauses([0, 0], viewMs);

/** Start-up, bundling and shutdown of one Artillery run, generously: a run past this is stuck. */
const STARTUP_ALLOWANCE_MS = 90_000;

/** A run of `stages` that thinking users may stretch by half, and its start-up. */
const stretchedRunMs = (stages: readonly Stage[]) => totalDuration(stages) * 1500 + STARTUP_ALLOWANCE_MS;

// ---------------------------------------------------------------------------
// 1. generator CPU per 1,000 requests

export interface FlowCpu {
  marginal?: Marginal;
  /** second estimate: CPU over the long run's steady periods / their requests */
  steady?: { cpuMsPer1000: number; periods: number };
  /** request rate during the steady part of the long run */
  requestsPerSecond?: number;
  runs: RunRecord[];
  usable: boolean;
  problems: string[];
}

export interface CpuFigures {
  /** scenarios/embed.yml on the luneo engine */
  package: FlowCpu;
  /** the same scenario on Artillery's stock HTTP engine */
  stock: FlowCpu;
  /** the raw undici loop at the same users and pauses */
  raw?: RawRun;
  /** luneo engine / stock engine, CPU per request */
  vsStock?: number;
  /** luneo engine / raw loop, CPU per request */
  vsRaw?: number;
}

function flowCpu(short: { o: ArtilleryOutcome; rec: RunRecord }, long: { o: ArtilleryOutcome; rec: RunRecord }, steadyWindow: Window | undefined, mustBeHealthy: boolean): FlowCpu {
  const runs = [short.rec, long.rec];
  const problems = runs.flatMap((r) => r.problems.map((p) => `${r.label}: ${p}`));
  if (mustBeHealthy) {
    // The schedule is what must hold: phases on time, users created, requests sent on time. The busy
    // share alone is not used here: Artillery's arrival timer spins (setImmediate) through the last
    // 25 ms before each arrival, so any arrival phase of ~40/s reads as 100 % busy without delaying anything.
    for (const r of runs) {
      const slipped = r.generatorProblems.filter((p) => !/^worker threads busy/.test(p));
      if (slipped.length > 0) problems.push(`${r.label}: generator fell behind (${slipped.join('; ')})`);
    }
  }
  const f: FlowCpu = { runs, usable: problems.length === 0, problems };
  if (short.o.cpuSeconds !== undefined && long.o.cpuSeconds !== undefined) {
    const m = marginalCost({ cpu: short.o.cpuSeconds, requests: short.rec.requests }, { cpu: long.o.cpuSeconds, requests: long.rec.requests });
    if (m) f.marginal = m;
    else f.problems.push('the long run did not send more requests than the short one');
  }
  if (steadyWindow && long.o.results) {
    const s = steadyCpuMsPer1000(long.o.samples, long.o.results.intermediate, steadyWindow);
    if (s) f.steady = s;
    const rate = bestPeriodRate(long.o.results.intermediate, steadyWindow);
    if (rate !== undefined) f.requestsPerSecond = rate;
  }
  if (f.requestsPerSecond === undefined && long.rec.loadSeconds) f.requestsPerSecond = long.rec.requests / long.rec.loadSeconds;
  // The marginal figure rests on both runs costing the same to start; when one start-up cost more
  // (another process, a cold cache), the two estimates part ways and the run says so.
  if (f.marginal && f.steady && Math.abs(f.marginal.cpuMsPer1000 - f.steady.cpuMsPer1000) > 0.25 * f.steady.cpuMsPer1000) {
    f.problems.push(
      `${long.rec.label}: marginal (${f.marginal.cpuMsPer1000.toFixed(0)} ms) and steady-period (${f.steady.cpuMsPer1000.toFixed(0)} ms) estimates differ by more than 25 %: the two runs' start-up costs differed (fixed cost ${f.marginal.fixedCpuSeconds.toFixed(1)} s)`,
    );
  }
  f.usable = f.problems.length === 0 && f.marginal !== undefined;
  return f;
}

export async function measureCpu(ctx: BenchContext): Promise<CpuFigures> {
  const p = ctx.plan.cpu;
  ctx.log(`\n[1 cpu] generator CPU per 1,000 requests at a moderate rate: embed flow, ${p.users} looping users, ${p.viewMs} ms pages, on the luneo engine, on the stock HTTP engine (${p.shortSeconds} s and ${p.longSeconds} s each), and the raw undici loop`);
  const stagesFor = (hold: number): Stage[] => [
    { duration: p.rampSeconds, target: p.users },
    { duration: hold, target: p.users },
    { duration: 1, target: 0 },
  ];
  const settings = noPauses([p.viewMs, p.viewMs]);
  // A first Artillery run after a while starts slower (cold page cache, cold sandbox): measured, that
  // extra start-up cost would land on one run of the pair and skew the difference. This run is discarded.
  await embedRun(ctx, 'warm-up', [{ duration: 2, target: 10 }, { duration: 2, target: 10 }, { duration: 1, target: 0 }], settings, 5000 + STARTUP_ALLOWANCE_MS);
  const timeout = (hold: number) => (p.rampSeconds + hold) * 2000 + STARTUP_ALLOWANCE_MS;
  // Interleaved, so that a change in the machine's other load touches both engines alike.
  const pkgShort = await embedRun(ctx, 'cpu-luneo-short', stagesFor(p.shortSeconds), settings, timeout(p.shortSeconds), 'luneo');
  const stockShort = await embedRun(ctx, 'cpu-stock-short', stagesFor(p.shortSeconds), settings, timeout(p.shortSeconds), 'http');
  const pkgLong = await embedRun(ctx, 'cpu-luneo-long', stagesFor(p.longSeconds), settings, timeout(p.longSeconds), 'luneo');
  const stockLong = await embedRun(ctx, 'cpu-stock-long', stagesFor(p.longSeconds), settings, timeout(p.longSeconds), 'http');
  const raw = await rawRun(ctx, 'cpu-raw-undici', p.users, p.viewMs);
  const pkg = flowCpu(pkgShort, pkgLong, nthPhase(pkgLong.o.phases, HOLD, 0), true);
  const stock = flowCpu(stockShort, stockLong, nthPhase(stockLong.o.phases, HOLD, 0), true);
  const out: CpuFigures = { package: pkg, stock, raw };
  if (pkg.marginal && stock.marginal) out.vsStock = pkg.marginal.cpuMsPer1000 / stock.marginal.cpuMsPer1000;
  if (pkg.marginal && raw.cpuMsPer1000) out.vsRaw = pkg.marginal.cpuMsPer1000 / raw.cpuMsPer1000;
  return out;
}

// ---------------------------------------------------------------------------
// 2. max sustained rate on one worker

export interface FlowMax {
  /** requests / time between Artillery's first and last metric */
  requestsPerSecond?: number;
  elapsedSeconds?: number;
  /** best full 10-second period */
  bestPeriodRate?: number;
  /** arrival phases: time taken / time set */
  stretch?: { setSeconds: number; tookSeconds: number; stretch: number };
  plannedUsers?: number;
  createdUsers?: number;
  /** whole-process CPU over the requests of the saturated run (the arrival timer's spin does not matter here) */
  cpuMsPer1000?: number;
  run: RunRecord;
  usable: boolean;
  problems: string[];
}

export interface MaxFigures {
  package: FlowMax;
  stock: FlowMax;
  raw?: RawRun;
  /** luneo engine's max rate / the stock engine's, and / the raw loop's */
  rateVsStock?: number;
  rateVsRaw?: number;
  /** luneo engine's CPU per request saturated / the stock engine's, and / the raw loop's */
  cpuVsStock?: number;
  cpuVsRaw?: number;
  /** most users one worker held at once in the package run (all of them = one worker) */
  usersOnOneWorker?: number;
  usersPlanned: number;
}

function flowMax(x: { o: ArtilleryOutcome; rec: RunRecord }, steady: Window | undefined): FlowMax {
  const r = x.o.results;
  const problems = x.rec.problems.map((p) => `${x.rec.label}: ${p}`);
  if (x.rec.cores.sandbox !== undefined && x.rec.cores.sandbox > 0.9) {
    problems.push(`${x.rec.label}: the sandbox used ${x.rec.cores.sandbox.toFixed(2)} cores: it, not the generator, may have been the limit`);
  }
  // The worker thread alone stays below one core even when saturated (V8's GC helper threads take
  // part of its work): starvation shows as a machine with no idle core while others were busy.
  const idle = x.rec.cores.idle;
  if (idle !== undefined && idle < 0.25 && (x.rec.cores.others ?? 0) > 0.25) {
    problems.push(`${x.rec.label}: no idle core and other processes used ${(x.rec.cores.others ?? 0).toFixed(2)} cores: the generator may have been starved, the max rate understated`);
  }
  const f: FlowMax = { run: x.rec, usable: problems.length === 0, problems };
  const a = achievedRate(r);
  if (a && r?.aggregate.firstMetricAt !== undefined && r.aggregate.lastMetricAt !== undefined) {
    f.requestsPerSecond = a.rate;
    f.elapsedSeconds = a.elapsedSeconds;
    const cores = coresUsed(x.o.samples, { from: r.aggregate.firstMetricAt, to: r.aggregate.lastMetricAt }, (s) => s.cpu);
    if (cores !== undefined && x.rec.requests > 0) f.cpuMsPer1000 = ((cores * a.elapsedSeconds) / x.rec.requests) * 1e6;
  }
  if (r && steady) {
    const b = bestPeriodRate(r.intermediate, steady);
    if (b !== undefined) f.bestPeriodRate = b;
  }
  const s = phaseStretch(r);
  if (s) f.stretch = s;
  if (r) {
    f.plannedUsers = r.luneo.generator.plannedUsers;
    f.createdUsers = r.luneo.generator.createdUsers;
  }
  if (f.requestsPerSecond === undefined) {
    f.problems.push(`${x.rec.label}: no achieved rate`);
    f.usable = false;
  }
  return f;
}

export async function measureMax(ctx: BenchContext): Promise<MaxFigures> {
  const p = ctx.plan.max;
  ctx.log(`\n[2 max] max sustained rate on one worker: embed flow, ${p.users} looping users, no pauses, ${p.holdSeconds} s, on the luneo engine, on the stock HTTP engine, and the raw undici loop`);
  const stages: Stage[] = [
    { duration: p.rampSeconds, target: p.users },
    { duration: p.holdSeconds, target: p.users },
    { duration: 1, target: 0 },
  ];
  const timeout = (p.rampSeconds + p.holdSeconds) * 2000 + STARTUP_ALLOWANCE_MS;
  const pkg = await embedRun(ctx, 'max-luneo', stages, noPauses([0, 0]), timeout, 'luneo');
  const stock = await embedRun(ctx, 'max-stock', stages, noPauses([0, 0]), timeout, 'http');
  const raw = await rawRun(ctx, 'max-raw-undici', p.users, 0);
  const out: MaxFigures = {
    package: flowMax(pkg, nthPhase(pkg.o.phases, HOLD, 0)),
    stock: flowMax(stock, nthPhase(stock.o.phases, HOLD, 0)),
    raw,
    usersPlanned: p.users,
  };
  if (pkg.o.results) out.usersOnOneWorker = pkg.o.results.luneo.peakUsersSampled;
  const a = out.package;
  if (a.requestsPerSecond && out.stock.requestsPerSecond) out.rateVsStock = a.requestsPerSecond / out.stock.requestsPerSecond;
  if (a.requestsPerSecond && raw.requestsPerSecond) out.rateVsRaw = a.requestsPerSecond / raw.requestsPerSecond;
  if (a.cpuMsPer1000 && out.stock.cpuMsPer1000) out.cpuVsStock = a.cpuMsPer1000 / out.stock.cpuMsPer1000;
  if (a.cpuMsPer1000 && raw.cpuMsPer1000) out.cpuVsRaw = a.cpuMsPer1000 / raw.cpuMsPer1000;
  return out;
}

// ---------------------------------------------------------------------------
// 3. memory per concurrent thinking user

export interface HoldFigures {
  users: number;
  /** most users one worker held during the hold, from the package's presence samples */
  usersAlive?: number;
  rssKb?: number;
  rssSamples: number;
  requestsPerSecond?: number;
  /** the worker thread's cores, and its event loop's median busy share (the luneo plugin's), over the hold: thinking users should cost little */
  workerCores?: number;
  busyPercent?: number;
  /** the sampled part of the hold */
  window?: Window;
}

export interface MemoryFigures {
  low: HoldFigures;
  high: HoldFigures;
  kbPerUser?: number;
  /** RSS extrapolated to no users (MiB): the process itself */
  baseRssMb?: number;
  peakRssKb?: number;
  run: RunRecord;
  usable: boolean;
  problems: string[];
}

/** The steady part of a hold: after it settled, before the last seconds (users may leave a little early). */
function sampledPart(w: Window | undefined): Window | undefined {
  if (!w) return undefined;
  const len = w.to - w.from;
  const from = w.from + len * 0.35;
  const to = w.to - Math.min(4000, len * 0.15);
  return to > from ? { from, to } : undefined;
}

export async function measureMemory(ctx: BenchContext): Promise<MemoryFigures> {
  const m = ctx.plan.memory;
  ctx.log(`\n[3 memory] memory per thinking user (luneo engine): hold ${m.low} then ${m.high} users (arrivals ${m.arrivalsPerSecond}/s, pages every ${m.viewMs[0] / 1000}–${m.viewMs[1] / 1000} s), RSS of the Artillery process`);
  const stages: Stage[] = [
    { duration: Math.ceil(m.low / m.arrivalsPerSecond), target: m.low },
    { duration: m.holdSeconds, target: m.low },
    { duration: Math.ceil((m.high - m.low) / m.arrivalsPerSecond), target: m.high },
    { duration: m.holdSeconds, target: m.high },
    { duration: 1, target: 0 },
  ];
  const x = await embedRun(ctx, 'memory-package', stages, noPauses(m.viewMs), stretchedRunMs(stages));
  const problems = x.rec.problems.map((p) => `${x.rec.label}: ${p}`);
  const hold = (n: number, users: number): HoldFigures => {
    const w = sampledPart(nthPhase(x.o.phases, HOLD, n));
    const h: HoldFigures = { users, rssSamples: 0 };
    if (!w) {
      problems.push(`hold of ${users} users: no phase window`);
      return h;
    }
    h.window = w;
    const rss = medianRssKb(x.o.samples, w);
    if (rss) {
      h.rssKb = rss.medianKb;
      h.rssSamples = rss.samples;
    }
    const phase = nthPhase(x.o.phases, HOLD, n);
    const alive = phase ? usersAlive(x.o.results, phase) : undefined;
    if (alive !== undefined) h.usersAlive = alive;
    if (alive !== undefined && alive < users * 0.97) problems.push(`hold of ${users} users: only ${alive} alive on the worker`);
    const period = phase && x.o.results ? periodMostlyIn(x.o.results.intermediate, phase) : undefined;
    if (period) h.requestsPerSecond = (period.counters['http.requests'] ?? 0) / 10;
    const busy = period?.summaries[METRICS.generator.busyShare]?.p50;
    if (busy !== undefined) h.busyPercent = busy;
    const t = threadCores(x.o.samples, w, x.o.pid);
    if (t.worker !== undefined) h.workerCores = t.worker;
    return h;
  };
  const low = hold(0, m.low);
  const high = hold(1, m.high);
  const out: MemoryFigures = { low, high, run: x.rec, usable: false, problems };
  const rss = x.o.samples.map((s) => s.rssKb ?? 0);
  if (rss.length > 0) out.peakRssKb = Math.max(...rss);
  if (low.rssKb !== undefined && high.rssKb !== undefined) {
    const usersLow = low.users;
    const usersHigh = high.users;
    out.kbPerUser = (high.rssKb - low.rssKb) / (usersHigh - usersLow);
    out.baseRssMb = (low.rssKb - usersLow * out.kbPerUser) / 1024;
  } else problems.push('no RSS samples in the holds');
  out.usable = problems.length === 0;
  return out;
}

// ---------------------------------------------------------------------------
// 5. one worker at its share of the prod profile

export interface ShareFigures {
  users: number;
  /** the page pauses of environments/prod.yml, as the run used them */
  pauses: string;
  /** most users the worker held during the hold */
  usersAlive?: number;
  /** requests per second over the sampled part of the hold */
  requestsPerSecond?: number;
  /** cores over the sampled part of the hold: the worker thread, and the whole Artillery process */
  workerCores?: number;
  processCores?: number;
  /** the worker thread's CPU per 1,000 requests at this pace */
  cpuMsPer1000?: number;
  /** the whole Artillery process's CPU per 1,000 requests at this pace (what the raw loop's figure compares with) */
  processCpuMsPer1000?: number;
  /** the luneo plugin's median busy share and the worst worker's saturated seconds in any 20 s, over the run */
  busyShare?: number;
  saturatedInWindowS?: number;
  window?: Window;
  run: RunRecord;
  usable: boolean;
  problems: string[];
}

/** The luneo engine at its prod share (the fields above), beside the stock engine and the raw loop at the same pace. */
export interface ShareComparison extends ShareFigures {
  stock?: ShareFigures;
  raw?: RawRun;
  /** whole-process CPU per request, luneo ÷ raw loop and luneo ÷ stock engine */
  vsRaw?: number;
  vsStock?: number;
}

/** One Artillery run's figures over the sampled part of its hold. */
function shareOf(x: { o: ArtilleryOutcome; rec: RunRecord }, users: number, pauses: string, log: (msg: string) => void): ShareFigures {
  const problems = x.rec.problems.map((q) => `${x.rec.label}: ${q}`);
  const out: ShareFigures = { users, pauses, run: x.rec, usable: false, problems };
  const phase = nthPhase(x.o.phases, HOLD, 0);
  const w = sampledPart(phase);
  if (!phase || !w) {
    problems.push(`${x.rec.label}: no hold window`);
    return out;
  }
  out.window = w;
  const alive = usersAlive(x.o.results, phase);
  if (alive !== undefined) out.usersAlive = alive;
  if (alive !== undefined && alive < users * 0.97) problems.push(`${x.rec.label}: only ${alive} of ${users} users alive on the worker`);
  const t = threadCores(x.o.samples, w, x.o.pid);
  if (t.worker !== undefined) out.workerCores = t.worker;
  const cores = coresUsed(x.o.samples, w, (s) => s.cpu);
  if (cores !== undefined) out.processCores = cores;
  const period = x.o.results ? periodMostlyIn(x.o.results.intermediate, phase) : undefined;
  if (period) out.requestsPerSecond = (period.counters['http.requests'] ?? 0) / 10;
  if (out.workerCores !== undefined && out.requestsPerSecond) out.cpuMsPer1000 = (out.workerCores / out.requestsPerSecond) * 1e6;
  if (out.processCores !== undefined && out.requestsPerSecond) out.processCpuMsPer1000 = (out.processCores / out.requestsPerSecond) * 1e6;
  const g = x.o.results?.luneo.generator;
  if (g?.busyShare !== undefined) out.busyShare = g.busyShare;
  if (g?.worstSaturatedInWindowS !== undefined) out.saturatedInWindowS = g.worstSaturatedInWindowS;
  if (out.workerCores === undefined) problems.push(`${x.rec.label}: no per-thread CPU samples in the hold`);
  if (!out.requestsPerSecond) problems.push(`${x.rec.label}: no request rate for the hold`);
  out.usable = problems.length === 0;
  const pct = (v: number | undefined) => (v !== undefined ? Math.round(v * 100) : '?');
  log(
    `  ${x.rec.label}: ${out.requestsPerSecond?.toFixed(0) ?? '?'} req/s, worker thread ${out.workerCores?.toFixed(2) ?? '?'} cores (${out.cpuMsPer1000?.toFixed(0) ?? '?'} ms per 1,000 requests), Artillery ${out.processCores?.toFixed(2) ?? '?'} cores (${out.processCpuMsPer1000?.toFixed(0) ?? '?'} ms per 1,000), busy ${pct(out.busyShare)} % typical, verdict ${x.rec.verdict ?? '?'}`,
  );
  return out;
}

/**
 * The capacity plan's question asked directly: one worker holding its share
 * of the prod embed profile's visitors at the prod page pauses. A worker's
 * cost grows with its users as well as with its requests (timers, sockets,
 * a larger heap for the collector), so the moderate and the saturated runs,
 * with 100 and 120 users, cannot stand in for 3,334. The same visitors at
 * the same pace on the stock engine, and as the raw undici loop (the same
 * pauses drawn per page, lanes arriving at the same rate), measure the
 * floor at this pace, not only when saturated.
 */
export async function measureShare(ctx: BenchContext): Promise<ShareComparison> {
  const p = ctx.plan.share;
  const prod = loadSettings('prod', path.join(ctx.root, 'environments'), {}).embed;
  const pauses = embedPauses([prod.iframeDelayMs.min, prod.iframeDelayMs.max], [prod.viewMs.min, prod.viewMs.max]);
  ctx.log(
    `\n[5 share] one worker at its share of the prod embed profile: ${p.users} visitors (arrivals ${p.arrivalsPerSecond}/s), pages of ${prod.iframeDelayMs.min}–${prod.iframeDelayMs.max} + ${prod.viewMs.min}–${prod.viewMs.max} ms as in prod, ${p.holdSeconds}-s hold; luneo engine, stock HTTP engine, raw undici loop`,
  );
  const stages: Stage[] = [
    { duration: Math.ceil(p.users / p.arrivalsPerSecond), target: p.users },
    { duration: p.holdSeconds, target: p.users },
    { duration: 1, target: 0 },
  ];
  const oneLine = pauses.replace(/\n\s*/g, ' ');
  const out: ShareComparison = shareOf(await embedRun(ctx, 'share-luneo', stages, pauses, stretchedRunMs(stages)), p.users, oneLine, ctx.log);
  out.stock = shareOf(await embedRun(ctx, 'share-stock', stages, pauses, stretchedRunMs(stages), 'http'), p.users, oneLine, ctx.log);
  // The raw loop's window: as long as the Artillery runs' sampled part of the hold, after the same ramp and a settling time.
  const sampled = out.window ? Math.max(5, Math.round((out.window.to - out.window.from) / 1000)) : Math.round(p.holdSeconds / 2);
  const pace = { iframeMs: [prod.iframeDelayMs.min, prod.iframeDelayMs.max], viewMs: [prod.viewMs.min, prod.viewMs.max], arrivalsPerSecond: p.arrivalsPerSecond } as const;
  out.raw = await rawRun(ctx, 'share-raw-undici', p.users, 0, pace, { seconds: sampled, warmupSeconds: Math.round(p.holdSeconds * 0.35) });
  if (out.processCpuMsPer1000 && out.raw.cpuMsPer1000) out.vsRaw = out.processCpuMsPer1000 / out.raw.cpuMsPer1000;
  if (out.processCpuMsPer1000 && out.stock.processCpuMsPer1000) out.vsStock = out.processCpuMsPer1000 / out.stock.processCpuMsPer1000;
  return out;
}

// ---------------------------------------------------------------------------
// 4. sandbox capacity

export interface SandboxFigures {
  requestsPerSecond?: number;
  connections: number;
  seconds: number;
  errors?: number;
  failed?: number;
  /** cores the sandbox and the client used during the client run */
  sandboxCores?: number;
  clientCores?: number;
  othersCores?: number;
  /** the package flow's max rate on one worker compared with: the higher of its elapsed-time and best-period figures */
  packageMaxRate?: number;
  /** sandbox rate / packageMaxRate */
  ratio?: number;
  /** the sandbox did not reach a full core: the figure is a lower bound */
  lowerBound: boolean;
  usable: boolean;
  problems: string[];
}

interface ClientReport {
  requests: number;
  failed: number;
  errors: number;
  requestsPerSecond: number;
  clientCpuSeconds: number;
  clientWallSeconds: number;
}

export async function measureSandbox(ctx: BenchContext, packageMax: number | undefined): Promise<SandboxFigures> {
  const p = ctx.plan.sandbox;
  ctx.log(`\n[4 sandbox] sandbox capacity: closed-loop client, ${p.connections} keep-alive connections per host, ${p.seconds} s`);
  const out: SandboxFigures = { connections: p.connections, seconds: p.seconds, lowerBound: false, usable: false, problems: [] };
  const sbBefore = processCpuSeconds(ctx.sandbox.pid);
  const mBefore = machineCpu();
  const t0 = Date.now();
  const { exit, last, errText } = await standaloneClient(ctx, 'sandbox-client.ts', ['--connections', String(p.connections)], p);
  const wall = (Date.now() - t0) / 1000;
  const sbAfter = processCpuSeconds(ctx.sandbox.pid);
  const mAfter = machineCpu();
  if (exit.timedOut || exit.code !== 0) {
    out.problems.push(`client ${exit.timedOut ? 'timed out' : `exited ${exit.code}`}: ${errText.trim()}`);
    return out;
  }
  const rep = JSON.parse(last) as ClientReport;
  out.requestsPerSecond = rep.requestsPerSecond;
  out.errors = rep.errors;
  out.failed = rep.failed;
  if (sbBefore !== undefined && sbAfter !== undefined) out.sandboxCores = (sbAfter - sbBefore) / wall;
  out.clientCores = rep.clientCpuSeconds / rep.clientWallSeconds;
  if (mBefore && mAfter && out.sandboxCores !== undefined) out.othersCores = Math.max(0, (mAfter.busy - mBefore.busy) / wall - out.sandboxCores - out.clientCores);
  if (rep.errors + rep.failed > rep.requests * 0.01) out.problems.push(`${rep.errors} errors and ${rep.failed} failed answers out of ${rep.requests}`);
  // Below ~90 % of a core the sandbox was waiting on the client or on the machine: its true ceiling is higher.
  out.lowerBound = out.sandboxCores === undefined || out.sandboxCores < 0.9;
  if (packageMax) {
    out.packageMaxRate = packageMax;
    out.ratio = rep.requestsPerSecond / packageMax;
  }
  else out.problems.push('no package max rate to compare with');
  out.usable = out.problems.length === 0;
  ctx.log(
    `  sandbox: ${rep.requestsPerSecond.toFixed(0)} requests/s, cores sandbox ${out.sandboxCores?.toFixed(2) ?? '?'} client ${out.clientCores.toFixed(2)} others ${out.othersCores?.toFixed(2) ?? '?'}`,
  );
  return out;
}

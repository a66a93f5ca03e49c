/**
 * `npm run bench`: what the generator costs and whether one worker is
 * enough, measured against the bundled sandbox on loopback: the luneo
 * engine side by side with Artillery's stock HTTP engine and a raw undici
 * loop (issues 6 and 12).
 * Prints a table with the issue's aims beside the figures and writes
 * bench-results/bench.json (the README's capacity table is made from it)
 * and bench-results/bench.md. See bench/README.md for what each figure
 * means and where it stops meaning it.
 *
 *   npm run bench                  full run, about 10 minutes on 2 cores
 *   BENCH_QUICK=1 npm run bench    short everything, for developing the bench
 *   BENCH_ONLY=cpu,max npm run bench
 */
import { rmSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../src/config/environments.ts';
import { peakConcurrency } from '../src/load/model.ts';
import { PROFILES } from '../src/load/profiles.ts';
import { expectedPeakRate } from '../src/before/setup.ts';
import { measureObserveCost } from './lib/observe-cost.ts';
import { measureArrivalsCost } from './lib/arrivals-cost.ts';
import { type CapacityRow, type Costs, type Demand, type FargateTask, type Limits, plan as planCapacity, type WorkerLine, workerCores, workerLine } from './lib/capacity.ts';
import { installCleanup, stopAll } from './lib/children.ts';
import {
  type BenchContext,
  type ShareComparison,
  type CpuFigures,
  type MaxFigures,
  measureCpu,
  measureMax,
  measureMemory,
  measureSandbox,
  measureShare,
  type MemoryFigures,
  type SandboxFigures,
  type ShareFigures,
} from './lib/measurements.ts';
import { FULL, loadSeconds, MEASUREMENTS, type MeasurementName, QUICK, RUNS } from './lib/plan.ts';
import { evaluateGate } from './lib/change-point-eval.ts';
import { startSandboxProcess } from './lib/sandbox.ts';
import { renderMarkdown, renderText, type BenchReport, type ProdEstimate } from './lib/report.ts';
import { spreads } from './lib/spread.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT_DIR = path.join(ROOT, 'bench-results');
const COMMAND = 'npm run bench';

/** Aims of issues 6 and 12. */
export const AIMS = {
  /** luneo engine, saturated: ahead of k6's 108–131 ms on this flow */
  cpuSaturatedMsMax: 100,
  kbPerUserMax: 32,
  sandboxRatioMin: 4,
  /** the prod embed profile on one 4-vCPU machine: each of its 3 workers below this share of a core */
  prodWorkerShareMax: 0.6,
  /** issue 22: the luneo engine's CPU per request within 20 % of the raw undici loop's, saturated and at the prod share */
  vsRawMax: 1.2,
} as const;

/** Capacity planning keeps every worker below this share of its core. */
const LIMITS: Limits = { maxWorkerCpuShare: 0.6, maxMemoryShare: 0.6 };

/**
 * Artillery's Fargate default task size (node_modules/artillery/dist/lib/
 * platform/aws-ecs/legacy/run-cluster.js, ensureTaskExists: cpu 4096,
 * memory 8192). Inside a task Artillery runs locally: max(1, cpus - 1) workers.
 */
const FARGATE: FargateTask = { vcpu: 4, memoryMb: 8192, workersPerTask: 3 };

function fail(msg: string): never {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}

function checkRuntime(): void {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 18)) {
    fail(`Node ${process.versions.node}: run it as \`npm run bench\` (or ./node_modules/.bin/node bench/run.ts), which uses the project's Node 22`);
  }
  if (process.platform !== 'linux') fail('the bench reads /proc (CPU, RSS): it runs on Linux only');
}

/** BENCH_REPEAT=N: the selection N times in a row, with each headline figure's median and range (bench/lib/spread.ts). */
function repeats(): number {
  const raw = process.env.BENCH_REPEAT?.trim();
  if (!raw) return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10) fail(`BENCH_REPEAT: ${raw} is not a whole number from 1 to 10`);
  return n;
}

function selected(): Set<MeasurementName> {
  const raw = process.env.BENCH_ONLY?.trim();
  if (!raw) return new Set(MEASUREMENTS);
  const names = raw.split(',').map((s) => s.trim());
  const bad = names.filter((n) => !(MEASUREMENTS as readonly string[]).includes(n));
  if (bad.length > 0) fail(`BENCH_ONLY: unknown measurement ${bad.join(', ')} (known: ${MEASUREMENTS.join(', ')})`);
  return new Set(names as MeasurementName[]);
}

/** Requests per second of the package's full profiles, from the flows' own pauses. */
function demands(): Demand[] {
  // prod.yml sets no pauses: the package's defaults apply (embed 0–500 ms + 1–3 s, render polling).
  const prod = loadSettings('prod', path.join(ROOT, 'environments'), {});
  const mid = (r: { min: number; max: number }) => (r.min + r.max) / 2;
  const viewSec = (mid(prod.embed.iframeDelayMs) + mid(prod.embed.viewMs)) / 1000;
  const visitors = peakConcurrency(PROFILES.embed.prod.stages);
  const renders = peakConcurrency(PROFILES.render.prod.stages);
  return [
    {
      profile: `embed ${PROFILES.embed.prod.name}`,
      concurrent: visitors,
      unit: 'visitors',
      requestsPerSecond: (3 * visitors) / viewSec,
      basis: `3 requests per page view of ${viewSec.toFixed(2)} s (iframe and page pauses, round trips left out: a little conservative)`,
    },
    {
      profile: `render ${PROFILES.render.prod.name}`,
      concurrent: renders,
      unit: 'renders',
      requestsPerSecond: expectedPeakRate('render', prod, PROFILES.render.prod.stages),
      basis: 'the package\'s own estimate (src/before/setup.ts expectedPeakRate: about one status poll per second per render in flight); CPU and memory per request and per user taken from the embed flow, not measured for renders',
    },
  ];
}

/**
 * A worker's cost as a straight line through two measured points of the
 * luneo engine (whole Artillery process): the long moderate run, and one
 * worker at its share of the prod profile where that was measured (thinking
 * users, as in every profile), else the saturated run (120 users without
 * pauses: it leaves out what many users cost, so it flatters).
 */
function measuredLine(cpu: CpuFigures | undefined, max: MaxFigures | undefined, share: ShareFigures | undefined): { line: WorkerLine; basis: string } | undefined {
  const longRun = cpu?.package.runs[cpu.package.runs.length - 1];
  // Without the moderate run there is no second point: no line through the origin.
  if (cpu?.package.requestsPerSecond === undefined || longRun?.cores.generator === undefined) return undefined;
  const low = { requestsPerSecond: cpu.package.requestsPerSecond, cores: longRun.cores.generator };
  const fromShare = share?.usable === true && share.requestsPerSecond !== undefined && share.processCores !== undefined;
  const high = fromShare
    ? { requestsPerSecond: share.requestsPerSecond ?? 0, cores: share.processCores ?? 0 }
    : { requestsPerSecond: max?.package.requestsPerSecond ?? 0, cores: max?.package.run.cores.generator ?? 0 };
  const line = workerLine(low, high);
  if (!line) return undefined;
  const highName = fromShare ? ` (${share.users} visitors at the prod pauses)` : ' (saturated)';
  return {
    line,
    basis: `${low.cores.toFixed(2)} cores at ${Math.round(low.requestsPerSecond)} req/s and ${high.cores.toFixed(2)} at ${Math.round(high.requestsPerSecond)} req/s${highName}: ${line.fixedCores.toFixed(2)} cores per worker + ${line.cpuMsPer1000.toFixed(0)} ms per 1,000 requests`,
  };
}

/**
 * The prod embed profile on one 4-vCPU machine (3 workers): one worker's
 * cores at its share, measured directly where the share run went well;
 * else on the straight line through the measured points.
 */
function prodEstimate(d: Demand, cpu: CpuFigures | undefined, max: MaxFigures | undefined, memory: MemoryFigures | undefined, share: ShareFigures | undefined): ProdEstimate {
  const perWorker = d.requestsPerSecond / FARGATE.workersPerTask;
  const e: ProdEstimate = { visitors: d.concurrent, requestsPerSecond: d.requestsPerSecond, workers: FARGATE.workersPerTask };
  const atShare = share?.usable === true && share.users >= Math.ceil(d.concurrent / FARGATE.workersPerTask);
  if (atShare && share.workerCores !== undefined) {
    e.workerCores = share.workerCores;
    e.measured = true;
    e.basis = `measured: one worker holding ${share.users} visitors at ${Math.round(share.requestsPerSecond ?? 0)} req/s, worker thread ${share.workerCores.toFixed(2)} cores (${Math.round(share.cpuMsPer1000 ?? 0)} ms per 1,000 requests), Artillery ${share.processCores?.toFixed(2) ?? '?'}, busy ${share.busyShare !== undefined ? Math.round(share.busyShare * 100) : '?'} % typical, worst ${share.saturatedInWindowS?.toFixed(0) ?? '?'} s saturated in 20 s`;
  } else {
    const m = measuredLine(cpu, max, share);
    if (m) {
      e.workerCores = workerCores(m.line, perWorker);
      e.measured = false;
      e.basis = `estimated: one worker at ${Math.round(perWorker)} req/s on the line through ${m.basis}`;
    }
  }
  if (memory?.kbPerUser !== undefined && memory.baseRssMb !== undefined) e.memoryMb = memory.baseRssMb + (d.concurrent * memory.kbPerUser) / 1024;
  return e;
}

async function main(): Promise<number> {
  checkRuntime();
  installCleanup();
  const plan = ['1', 'true', 'yes'].includes((process.env.BENCH_QUICK ?? '').toLowerCase()) ? QUICK : FULL;
  const only = selected();
  const repeat = repeats();
  const secs = loadSeconds(plan);
  const runs = [...only].reduce((n, m) => n + RUNS[m], 0);
  const expected = repeat * ([...only].reduce((s, m) => s + secs[m], 0) + runs * 14) + 5;
  const cpus = os.cpus().length;
  const workers = Math.max(1, cpus - 1);
  const started = Date.now();
  const log = (msg: string) => process.stdout.write(`${msg}\n`);
  log(`luneo-load-tests bench (${plan.name} plan${only.size < MEASUREMENTS.length ? `, only ${[...only].join(',')}` : ''}${repeat > 1 ? `, ${repeat} times` : ''}): about ${Math.ceil(expected / 60)} minutes`);
  log(`  machine: ${cpus} vCPUs, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; Artillery runs max(1, cpus - 1) = ${workers} local worker${workers === 1 ? '' : 's'} (WORKERS is ignored locally)`);
  if (workers > 1) log(`  WARNING: ${workers} workers: "one worker" figures below are the total divided by ${workers}`);
  if (os.loadavg()[0] > cpus * 0.5) log(`  note: the machine is already busy (load ${os.loadavg()[0]?.toFixed(1)}): figures will be noisy`);

  mkdirSync(OUT_DIR, { recursive: true });
  const runsDir = path.join(OUT_DIR, 'runs');
  rmSync(runsDir, { recursive: true, force: true });
  mkdirSync(runsDir, { recursive: true });

  // A hard stop for the whole bench, whatever a child does.
  const watchdog = setTimeout(() => {
    process.stderr.write('bench: over its time budget, stopping\n');
    void stopAll().finally(() => process.exit(124));
  }, (expected * 1.5 + 60) * 1000);
  watchdog.unref();

  const errors: string[] = [];
  const attempt = async <T>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      errors.push(`${name}: ${(err as Error).stack ?? String(err)}`);
      log(`  ${name} failed: ${(err as Error).message}`);
      return undefined;
    }
  };

  // No load: seeded synthetic histories, judged night by night (about 2 s).
  const gate = only.has('gate') ? await attempt('gate', async () => evaluateGate()) : undefined;
  // No load either: the server view's sources against real PostgreSQL, Redis and Prometheus.
  const observeCost = only.has('observe') ? await attempt('observe', () => measureObserveCost(plan.observe.seconds, log)) : undefined;
  const arrivalsCost = only.has('arrivals') ? await attempt('arrivals', () => measureArrivalsCost(plan.arrivals.seconds, log)) : undefined;
  const loads = [...only].filter((m) => m !== 'gate' && m !== 'observe' && m !== 'arrivals');
  const sandbox = loads.length > 0 ? await startSandboxProcess(ROOT, expected * 2 + 180, { ...process.env, NODE_OPTIONS: '' }) : undefined;
  if (sandbox) log(`  sandbox: own process ${sandbox.pid}, API ${sandbox.apiUrl}, widget ${sandbox.widgetUrl}`);
  const ctx: BenchContext | undefined = sandbox ? { root: ROOT, plan, sandbox, runsDir, tempDirs: [], log } : undefined;
  // Also on Ctrl-C or a crash: the copies of environments/ and the bundled processor go.
  process.on('exit', () => {
    for (const d of ctx?.tempDirs ?? []) rmSync(d, { recursive: true, force: true });
  });
  const reports: BenchReport[] = [];
  let incomplete = false;
  try {
    for (let round = 1; round <= repeat; round++) {
      if (repeat > 1) log(`\n=== round ${round} of ${repeat} ===`);
      let cpu: CpuFigures | undefined;
      let max: MaxFigures | undefined;
      let memory: MemoryFigures | undefined;
      let sandboxFig: SandboxFigures | undefined;
      let share: ShareComparison | undefined;
      if (ctx) {
        if (only.has('cpu')) cpu = await attempt('cpu', () => measureCpu(ctx));
        if (only.has('max')) max = await attempt('max', () => measureMax(ctx));
        if (only.has('sandbox')) {
          // The higher of the package's two max figures: the ratio must not flatter the sandbox.
          const pkgMax = Math.max(max?.package.requestsPerSecond ?? 0, max?.package.bestPeriodRate ?? 0);
          sandboxFig = await attempt('sandbox', () => measureSandbox(ctx, pkgMax > 0 ? pkgMax / workers : undefined));
        }
        if (only.has('memory')) memory = await attempt('memory', () => measureMemory(ctx));
        if (only.has('share')) share = await attempt('share', () => measureShare(ctx));
      }

      let prodOnOneMachine: ProdEstimate | undefined;
      const [embedDemand] = demands();
      if (embedDemand) prodOnOneMachine = prodEstimate(embedDemand, cpu, max, memory, share);

      let capacity: CapacityRow[] | undefined;
      let capacityBasis: string | undefined;
      const m = measuredLine(cpu, max, share);
      const cpuMs = cpu?.package.marginal?.cpuMsPer1000;
      if ((m || cpuMs !== undefined) && memory?.kbPerUser !== undefined && memory.baseRssMb !== undefined) {
        // The line through the moderate run and the prod share (or the saturated run) when both were measured; else the moderate
        // marginal cost alone, which folds the fixed part into every request (on the safe side).
        const costs: Costs = m
          ? { cpuMsPer1000: m.line.cpuMsPer1000, fixedCoresPerWorker: m.line.fixedCores, kbPerUser: Math.max(0, memory.kbPerUser), baseRssMb: Math.max(0, memory.baseRssMb) }
          : { cpuMsPer1000: cpuMs ?? 0, kbPerUser: Math.max(0, memory.kbPerUser), baseRssMb: Math.max(0, memory.baseRssMb) };
        capacityBasis = m ? `a worker costs ${m.basis}` : `the moderate marginal cost, ${Math.round(cpuMs ?? 0)} ms per 1,000 requests, fixed costs folded in`;
        capacity = demands().map((d) => planCapacity(d, costs, LIMITS, FARGATE));
      }

      const report: BenchReport = {
        generatedAt: new Date().toISOString(),
        command: `${plan.name === 'quick' ? 'BENCH_QUICK=1 ' : ''}${repeat > 1 ? `BENCH_REPEAT=${repeat} ` : ''}${only.size < MEASUREMENTS.length ? `BENCH_ONLY=${[...only].join(',')} ` : ''}${COMMAND}`,
        plan,
        machine: { cpus, loadAverageAtStart: os.loadavg(), node: process.versions.node, artilleryWorkers: workers, artilleryWorkerRule: 'max(1, os.cpus().length - 1); WORKERS is ignored by the local platform' },
        durationSeconds: (Date.now() - started) / 1000,
        aims: { ...AIMS },
        limits: LIMITS,
        fargateTask: FARGATE,
        errors,
      };
      if (cpu) report.cpu = cpu;
      if (max) report.max = max;
      if (memory) report.memory = memory;
      if (sandboxFig) report.sandbox = sandboxFig;
      if (share) report.share = share;
      if (capacity) report.capacity = capacity;
      if (capacityBasis) report.capacityBasis = capacityBasis;
      if (prodOnOneMachine) report.prodOnOneMachine = prodOnOneMachine;
      if (gate) report.gate = gate;
      if (observeCost) report.observe = observeCost;
      if (arrivalsCost) report.arrivals = arrivalsCost;
      report.durationSeconds = (Date.now() - started) / 1000;

      reports.push(report);
      if (repeat > 1) writeFileSync(path.join(OUT_DIR, `round-${round}.json`), `${JSON.stringify(report, null, 2)}\n`);
      incomplete ||= errors.length > 0 || [cpu?.package, cpu?.stock, cpu?.raw, max?.package, max?.stock, max?.raw, memory, sandboxFig, share, share?.stock, share?.raw].some((f) => f !== undefined && !f.usable);
    }
  } finally {
    await sandbox?.stop();
    await stopAll();
  }

  // The last round's figures in full; with BENCH_REPEAT, every headline figure's median and range over the rounds.
  const report = reports[reports.length - 1] as BenchReport;
  if (repeat > 1) report.spread = { rounds: repeat, figures: spreads(reports) };
  report.durationSeconds = (Date.now() - started) / 1000;
  writeFileSync(path.join(OUT_DIR, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(OUT_DIR, 'bench.md'), renderMarkdown(report));
  log(renderText(report));
  log(`\nwritten: ${path.relative(process.cwd(), path.join(OUT_DIR, 'bench.json'))}, ${path.relative(process.cwd(), path.join(OUT_DIR, 'bench.md'))} (runs' results in ${path.relative(process.cwd(), runsDir)}/)`);
  return incomplete ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    await stopAll();
    process.exit(1);
  },
);

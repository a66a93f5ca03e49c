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
import { measureObserveCost } from './lib/observe-cost.ts';
import { measureArrivalsCost } from './lib/arrivals-cost.ts';
import { FARGATE, LIMITS, planFromFigures } from './lib/capacity-plan.ts';
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
} from './lib/measurements.ts';
import { FULL, loadSeconds, MEASUREMENTS, type MeasurementName, QUICK, RUNS } from './lib/plan.ts';
import { evaluateGate } from './lib/change-point-eval.ts';
import { startSandboxProcess } from './lib/sandbox.ts';
import { renderMarkdown, renderText, type BenchReport } from './lib/report.ts';
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

      const { prodOnOneMachine, capacity, capacityBasis } = planFromFigures({ cpu, max, memory, share });

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

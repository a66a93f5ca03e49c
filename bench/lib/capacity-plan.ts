/**
 * The capacity plan from a bench run's figures: the prod embed profile on
 * one 4-vCPU machine (3 workers), measured by the share run where it went
 * well, else estimated; and the machines and Fargate tasks each full
 * profile needs (bench/lib/capacity.ts does the arithmetic). Used by the
 * bench at the end of each round, and by `npm run bench:readme` on a saved
 * report.
 */
import path from 'node:path';
import { loadSettings } from '../../src/config/environments.ts';
import { peakConcurrency } from '../../src/load/model.ts';
import { PROFILES } from '../../src/load/profiles.ts';
import { expectedPeakRate } from '../../src/before/setup.ts';
import { type CapacityRow, type Costs, type Demand, type FargateTask, type Limits, plan as planCapacity, type WorkerLine, workerCores, workerLine } from './capacity.ts';
import type { CpuFigures, MaxFigures, MemoryFigures, ShareFigures } from './measurements.ts';
import type { ProdEstimate } from './report.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Capacity planning keeps every worker below this share of its core. */
export const LIMITS: Limits = { maxWorkerCpuShare: 0.6, maxMemoryShare: 0.6 };

/**
 * Artillery's Fargate default task size (node_modules/artillery/dist/lib/
 * platform/aws-ecs/legacy/run-cluster.js, ensureTaskExists: cpu 4096,
 * memory 8192). Inside a task Artillery runs locally: max(1, cpus - 1) workers.
 */
export const FARGATE: FargateTask = { vcpu: 4, memoryMb: 8192, workersPerTask: 3 };

/** Requests per second of the package's full profiles, from the flows' own pauses. */
export function demands(): Demand[] {
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

export interface MeasuredFigures {
  cpu?: CpuFigures | undefined;
  max?: MaxFigures | undefined;
  memory?: MemoryFigures | undefined;
  share?: ShareFigures | undefined;
}

export interface CapacityPlan {
  prodOnOneMachine?: ProdEstimate;
  capacity?: CapacityRow[];
  capacityBasis?: string;
}

/**
 * A worker's CPU from the best points measured: the line through the
 * moderate run and the prod share (or the saturated run); else the moderate
 * marginal cost, or the prod share's whole-process cost per request, each
 * with the fixed part folded into every request (on the safe side).
 */
function workerCost({ cpu, max, share }: MeasuredFigures): { costs: Pick<Costs, 'cpuMsPer1000' | 'fixedCoresPerWorker'>; basis: string } | undefined {
  const m = measuredLine(cpu, max, share);
  if (m) return { costs: { cpuMsPer1000: m.line.cpuMsPer1000, fixedCoresPerWorker: m.line.fixedCores }, basis: `a worker costs ${m.basis}` };
  const moderate = cpu?.package.marginal?.cpuMsPer1000;
  if (moderate !== undefined) return { costs: { cpuMsPer1000: moderate }, basis: `the moderate marginal cost, ${Math.round(moderate)} ms per 1,000 requests, fixed costs folded in` };
  const atShare = share?.usable ? share.processCpuMsPer1000 : undefined;
  if (atShare !== undefined) return { costs: { cpuMsPer1000: atShare }, basis: `one worker's whole Artillery process at its prod share, ${Math.round(atShare)} ms per 1,000 requests, fixed costs folded in` };
  return undefined;
}

export function planFromFigures(f: MeasuredFigures): CapacityPlan {
  const out: CapacityPlan = {};
  const [embed] = demands();
  if (embed) out.prodOnOneMachine = prodEstimate(embed, f.cpu, f.max, f.memory, f.share);
  const cost = workerCost(f);
  const m = f.memory;
  if (cost && m?.kbPerUser !== undefined && m.baseRssMb !== undefined) {
    const costs: Costs = { ...cost.costs, kbPerUser: Math.max(0, m.kbPerUser), baseRssMb: Math.max(0, m.baseRssMb) };
    out.capacity = demands().map((d) => planCapacity(d, costs, LIMITS, FARGATE));
    out.capacityBasis = cost.basis;
  }
  return out;
}

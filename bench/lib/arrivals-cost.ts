/**
 * The CPU a ramp's arrival timer costs, before and after: Artillery's
 * uniform process (nanotimer, which spins through the last 25 ms of each
 * interval) against the package's SteadyArrivals, each alone in this
 * process for a few seconds at the rates the profiles produce per worker.
 */
import { createRequire } from 'node:module';
import { SteadyArrivals } from '../../src/user/arrivals.ts';

interface Process {
  on(e: string, f: () => void): unknown;
  start(): unknown;
}

export interface ArrivalsCostRow {
  perSecond: number;
  /** CPU per second of arrivals, ms */
  nanotimerMs: number;
  steadyMs: number;
  arrivals: number;
}

export interface ArrivalsCostFigures {
  seconds: number;
  rows: ArrivalsCostRow[];
}

async function cpuOf(make: () => Process): Promise<{ cpuMsPerSecond: number; arrivals: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let arrivals = 0;
  await new Promise<void>((resolve) => {
    const p = make();
    p.on('arrival', () => arrivals++);
    p.on('finished', () => resolve());
    p.start();
  });
  const cpu = process.cpuUsage(cpu0);
  return { cpuMsPerSecond: (cpu.user + cpu.system) / 1000 / ((performance.now() - t0) / 1000), arrivals };
}

/** 17/s: the prod embed ramp's share of one of 3 workers; 40/s: the memory run; 100/s: a steep --stage. */
export async function measureArrivalsCost(seconds: number, log: (line: string) => void): Promise<ArrivalsCostFigures> {
  const original = createRequire(createRequire(import.meta.url).resolve('artillery/package.json'))('arrivals') as { uniform: { process: (i: number, d: number) => Process } };
  const spinning = original.uniform.process;
  const rows: ArrivalsCostRow[] = [];
  for (const perSecond of [17, 40, 100]) {
    const interval = 1000 / perSecond;
    const before = await cpuOf(() => spinning(interval, seconds * 1000));
    const after = await cpuOf(() => new SteadyArrivals(interval, seconds * 1000));
    rows.push({ perSecond, nanotimerMs: before.cpuMsPerSecond, steadyMs: after.cpuMsPerSecond, arrivals: after.arrivals });
    log(`  arrivals ${perSecond}/s: nanotimer ${before.cpuMsPerSecond.toFixed(0)} ms CPU per second, steady ${after.cpuMsPerSecond.toFixed(1)} ms (${before.arrivals} and ${after.arrivals} arrivals)`);
  }
  return { seconds, rows };
}

export const ARRIVALS_COST_HEAD = ['arrivals per second (one worker)', 'nanotimer: CPU ms per second', 'steady: CPU ms per second', 'ratio'];

export function arrivalsCostRows(f: ArrivalsCostFigures): string[][] {
  return f.rows.map((r) => [String(r.perSecond), r.nanotimerMs.toFixed(0), r.steadyMs.toFixed(1), r.steadyMs > 0 ? `${(r.nanotimerMs / r.steadyMs).toFixed(0)} ×` : '–']);
}

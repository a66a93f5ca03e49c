/**
 * The bench's arithmetic, apart from its machinery:
 *   ./node_modules/.bin/node --test bench/bench.test.ts (part of npm test)
 */
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { plan } from './lib/capacity.ts';
import { marginalCost, periodMostlyIn, phaseStretch } from './lib/figures.ts';
import { FULL, QUICK } from './lib/plan.ts';
import { parseBashTimes } from './lib/proc.ts';
import { peakConcurrency } from '../src/load/model.ts';
import { PROFILES } from '../src/load/profiles.ts';
import type { ResultsFile } from '../src/results/recorder.ts';
import { evaluate, history, STEP_AT } from './lib/change-point-eval.ts';

test('marginal cost cancels the fixed start-up cost', () => {
  // 5 s to start, 0.5 ms per request
  const m = marginalCost({ cpu: 5 + 1000 * 0.0005, requests: 1000 }, { cpu: 5 + 4000 * 0.0005, requests: 4000 });
  assert.ok(m);
  assert.ok(Math.abs(m.cpuMsPer1000 - 500) < 1e-9);
  assert.ok(Math.abs(m.fixedCpuSeconds - 5) < 1e-9);
  assert.equal(marginalCost({ cpu: 1, requests: 10 }, { cpu: 2, requests: 10 }), undefined);
});

test("bash's times: the second line is the children", () => {
  assert.deepEqual(parseBashTimes('0m0.003s 0m0.000s\n1m7.154s 0m0.882s\n'), { user: 67.154, sys: 0.882 });
  assert.equal(parseBashTimes('pid 12\n'), undefined);
});

test('the period most inside a window, if at least half of it is', () => {
  const p = (period: number) => ({ period, counters: {}, summaries: {} });
  const periods = [p(0), p(10_000), p(20_000)];
  assert.equal(periodMostlyIn(periods, { from: 12_000, to: 24_000 })?.period, 10_000);
  assert.equal(periodMostlyIn(periods, { from: 13_000, to: 17_000 }), undefined);
});

test('phase stretch counts arrival phases only', () => {
  const r = {
    luneo: {
      generator: {
        phases: [
          { name: 'stage 1: 0→10 users over 3s (4/s)', setMs: 3000, tookMs: 6000 },
          { name: 'stage 2: 10→10 users over 10s (hold)', setMs: 10000, tookMs: 10000 },
        ],
      },
    },
  } as unknown as ResultsFile;
  assert.deepEqual(phaseStretch(r), { setSeconds: 3, tookSeconds: 6, stretch: 2 });
});

test('capacity: workers below the CPU share, Fargate tasks by CPU or memory', () => {
  const row = plan(
    { profile: 'p', concurrent: 10_000, unit: 'visitors', requestsPerSecond: 10_000, basis: '' },
    { cpuMsPer1000: 500, kbPerUser: 50, baseRssMb: 300 },
    { maxWorkerCpuShare: 0.6, maxMemoryShare: 0.6 },
    { vcpu: 4, memoryMb: 8192, workersPerTask: 3 },
  );
  // 10,000 req/s × 0.5 ms = 5 cores; 5 / 0.6 = 8.3 → 9 workers
  assert.equal(row.cpuCores, 5);
  assert.equal(row.local.workers, 9);
  assert.equal(row.local.vcpus, 10);
  // 3 workers × 0.6 = 1.8 cores per task; 5 / 1.8 = 2.8 → 3 tasks
  assert.equal(row.fargate.count, 3);
  assert.equal(row.fargate.vcpus, 12);
  assert.equal(row.fargate.boundBy, 'cpu');
  const heavy = plan(
    { profile: 'p', concurrent: 100_000, unit: 'visitors', requestsPerSecond: 100, basis: '' },
    { cpuMsPer1000: 500, kbPerUser: 100, baseRssMb: 300 },
    { maxWorkerCpuShare: 0.6, maxMemoryShare: 0.6 },
    { vcpu: 4, memoryMb: 8192, workersPerTask: 3 },
  );
  assert.equal(heavy.fargate.boundBy, 'memory');
  // A worker's fixed cost takes its part of the share first: 0.2 fixed leaves 0.4 for requests.
  const fixed = plan(
    { profile: 'p', concurrent: 10_000, unit: 'visitors', requestsPerSecond: 10_000, basis: '' },
    { cpuMsPer1000: 100, fixedCoresPerWorker: 0.2, kbPerUser: 20, baseRssMb: 300 },
    { maxWorkerCpuShare: 0.6, maxMemoryShare: 0.6 },
    { vcpu: 4, memoryMb: 8192, workersPerTask: 3 },
  );
  // 1 core of requests / 0.4 = 2.5 → 3 workers, each 0.2 + 1/3 = 0.53; one task of 3 workers
  assert.equal(fixed.local.workers, 3);
  assert.ok(Math.abs(fixed.cpuCores - 1.6) < 1e-9);
  assert.equal(fixed.fargate.count, 1);
  assert.ok(Math.abs(fixed.fargate.cpuPerWorker - (0.2 + 1 / 3)) < 1e-9);
});

test("the share run holds one worker's share of the prod embed profile on a 4-vCPU machine (3 workers)", () => {
  assert.equal(FULL.share.users, Math.ceil(peakConcurrency(PROFILES.embed.prod.stages) / 3));
  // Below the 40 arrivals a second at which Artillery's arrival timer spins and would cost the worker its own CPU.
  assert.ok(FULL.share.arrivalsPerSecond < 40 && QUICK.share.arrivalsPerSecond < 40);
});

describe('the regression gate evaluation', () => {
  it('seeded histories are the same on every run, with the planted step where it is said to be', () => {
    const s = { name: 'step', noise: 0.05, step: 0.2, drift: false, outliers: false };
    assert.deepEqual(history(s, 7), history(s, 7));
    const h = history(s, 7);
    const before = h.slice(0, STEP_AT).reduce((a, b) => a + b, 0) / STEP_AT;
    const after = h.slice(STEP_AT).reduce((a, b) => a + b, 0) / (h.length - STEP_AT);
    assert.ok(after / before > 1.15 && after / before < 1.25, String(after / before));
  });

  it('counts a step found by the gate with its runs to find, and the fixed rule\'s alarms on a flat noisy history as false', () => {
    const big = evaluate({ name: 'step +20 %', noise: 0.05, step: 0.2, drift: false, outliers: false }, 10, 'gate');
    assert.equal(big.found, 10);
    assert.ok(big.runsToFind.every((r) => r >= 1 && r <= 3), big.runsToFind.join(','));
    const noisy = evaluate({ name: 'flat', noise: 0.1, step: 0, drift: false, outliers: true }, 10, 'fixed +20 %');
    assert.equal(noisy.found, 0);
    assert.ok(noisy.falseAlarmsPer100 > 5, `the fixed rule on 10 % noise with outliers: ${noisy.falseAlarmsPer100}`);
  });
});

describe("the README's capacity section", () => {
  it('is exactly what bench/summary.json renders: made from the bench output, not by hand', async () => {
    const { readFileSync } = await import('node:fs');
    const pathMod = await import('node:path');
    const { renderCapacitySection, sectionIn } = await import('./lib/capacity-section.ts');
    const root = pathMod.resolve(import.meta.dirname, '..');
    const summary = JSON.parse(readFileSync(pathMod.join(root, 'bench', 'summary.json'), 'utf8'));
    assert.equal(sectionIn(readFileSync(pathMod.join(root, 'README.md'), 'utf8')), renderCapacitySection(summary));
  });

  it('says by how much an aim is missed, and quotes the spread over the rounds', async () => {
    const { renderCapacitySection } = await import('./lib/capacity-section.ts');
    const { spreads } = await import('./lib/spread.ts');
    const round = (vsRaw: number, workerCores: number, verdict: string) =>
      ({ max: { cpuVsRaw: vsRaw, package: {}, stock: {}, raw: { usable: true, cpuMsPer1000: 30 } }, share: { vsRaw: 1.1, workerCores, processCpuMsPer1000: 100, run: { verdict }, raw: { usable: true, cpuMsPer1000: 90 } }, prodOnOneMachine: { workerCores } }) as never;
    const section = renderCapacitySection({
      generatedAt: '2026-12-05T00:00:00Z',
      command: 'BENCH_REPEAT=3 npm run bench',
      machine: { cpus: 2, node: '22', artilleryWorkers: 1 },
      aims: { cpuSaturatedMsMax: 100, kbPerUserMax: 32, sandboxRatioMin: 4, prodWorkerShareMax: 0.6, vsRawMax: 1.2 },
      spread: { rounds: 3, figures: spreads([round(1.3, 0.45, 'pass'), round(1.2, 0.5, 'pass'), round(1.4, 0.62, 'invalid')]) },
    });
    assert.match(section, /saturated missed by 8 % \(median 1\.30\)/);
    assert.match(section, /at the prod share met \(median 1\.10\)/);
    assert.match(section, /PASS in 2 of 3 rounds/);
    assert.match(section, /50\.0 % \(45\.0–62\.0\) of a core per worker, aim < 60 %: fits at the median, not in every round/);
    // a round whose floor was held back by the sandbox counts for neither the floor nor the ratio, and the section says so
    const held = { max: { cpuVsRaw: 1.6, package: {}, stock: {}, raw: { usable: false, cpuMsPer1000: 26 } } } as never;
    const fewer = renderCapacitySection({
      generatedAt: '2026-12-05T00:00:00Z',
      command: 'BENCH_REPEAT=3 npm run bench',
      machine: { cpus: 2, node: '22', artilleryWorkers: 1 },
      aims: { cpuSaturatedMsMax: 100, kbPerUserMax: 32, sandboxRatioMin: 4, prodWorkerShareMax: 0.6, vsRawMax: 1.2 },
      spread: { rounds: 3, figures: spreads([round(1.1, 0.45, 'pass'), held, round(1.15, 0.5, 'pass')]) },
    });
    assert.match(fewer, /\| 1\.13 \(1\.10–1\.15, 2 of 3 rounds\) \|/);
  });
});

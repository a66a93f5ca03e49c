import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { METRICS } from '../../../src/metric-names.ts';
import { describeStretch, GENERATOR_LIMITS, generatorHealth, isSaturated } from '../../../src/verdict/generator-health.ts';
import { delayWithoutResolution, type GeneratorReading, SaturationTally } from '../../../src/user/generator-monitor.ts';
import type { PeriodReport, Summary } from '../../../src/verdict/summary.ts';

const G = METRICS.generator;
const L = METRICS.load;

/** A calm second as the monitor measures one (resolution taken off): a few ms late, a third busy. */
const CALM: GeneratorReading = { seconds: 1, delayP99Ms: 3, busyPercent: 35 };
/** A saturated second like those of the peak: 98–100 % busy, 130 ms late (p99). */
const SATURATED: GeneratorReading = { seconds: 1, delayP99Ms: 120, busyPercent: 99 };

function summaryOf(xs: readonly number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  return { min: s[0] ?? 0, max: s[s.length - 1] ?? 0, count: s.length, p50: q(0.5), p95: q(0.95), p99: q(0.99) };
}

/**
 * What Artillery's aggregation makes of per-worker readings: every worker
 * runs its own tally, emits each second, and the periods keep counters'
 * sums and histograms' summaries over all workers.
 */
function simulate(workers: readonly GeneratorReading[][], users = 300, start = 1_800_000_000_000): { aggregate: PeriodReport; intermediate: PeriodReport[] } {
  const seconds = Math.max(...workers.map((w) => w.length));
  const periods: { counters: Record<string, number>; hist: Record<string, number[]> }[] = [];
  const all: Record<string, number[]> = {};
  const counters: Record<string, number> = {};
  for (const readings of workers) {
    const tally = new SaturationTally();
    readings.forEach((r, t) => {
      const s = tally.add(r);
      const p = (periods[Math.floor(t / 10)] ??= { counters: {}, hist: {} });
      const emit = (kind: 'c' | 'h', name: string, v: number) => {
        if (kind === 'c') {
          p.counters[name] = (p.counters[name] ?? 0) + v;
          counters[name] = (counters[name] ?? 0) + v;
        } else {
          (p.hist[name] ??= []).push(v);
          (all[name] ??= []).push(v);
        }
      };
      emit('h', G.eventLoopDelayP99Ms, r.delayP99Ms);
      emit('h', G.busyShare, r.busyPercent);
      emit('c', G.sampledSeconds, r.seconds);
      emit('c', G.saturatedSeconds, s.saturated ? r.seconds : 0);
      emit('h', G.saturatedInWindowS, s.inWindowS);
      emit('h', G.workerSaturatedS, s.totalS);
      emit('c', L.userSeconds, users / workers.length);
    });
  }
  const summaries = (h: Record<string, number[]>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, summaryOf(v)]));
  const intermediate = periods.map((p, i) => ({ period: start + i * 10_000, counters: p.counters, summaries: summaries(p.hist) }));
  const aggregate: PeriodReport = { counters, summaries: { ...summaries(all), [L.profileSeconds]: summaryOf([seconds]) } };
  return { aggregate, intermediate };
}

const run = (...parts: [GeneratorReading, number][]) => parts.flatMap(([r, n]) => Array.from({ length: n }, () => r));

describe('a saturated second', () => {
  it('is busy and late, or very late whatever the busy share; a spinning but punctual loop is not', () => {
    assert.equal(isSaturated(120, 99), true);
    assert.equal(isSaturated(25, 95), true);
    assert.equal(isSaturated(5, 100), false, "Artillery's arrival timer spins between close arrivals");
    assert.equal(isSaturated(150, 20), true, 'a blocked loop');
    assert.equal(isSaturated(60, 60), false);
  });

  it("takes the monitor's 10 ms resolution off each reading", () => {
    assert.equal(delayWithoutResolution(10.2e6), 0.1999999999999993);
    assert.equal(delayWithoutResolution(4e6), 0);
    assert.equal(delayWithoutResolution(130e6), 120);
  });
});

describe('SaturationTally', () => {
  it('counts a worker’s saturated seconds over the last 20 s and in total', () => {
    const t = new SaturationTally();
    let last = t.add(CALM);
    for (let i = 0; i < 25; i++) last = t.add(SATURATED);
    assert.equal(last.inWindowS, 20);
    assert.equal(last.totalS, 25);
    for (let i = 0; i < 10; i++) last = t.add(CALM);
    assert.equal(last.inWindowS, 10, 'the window slides');
    assert.equal(last.totalS, 25);
  });

  it('a late sample counts for the time it covered', () => {
    const t = new SaturationTally();
    assert.equal(t.add({ ...SATURATED, seconds: 2.5 }).totalS, 2.5);
  });
});

describe('generatorHealth over the combined metrics', () => {
  it('a short spike in a calm run passes', () => {
    const { aggregate, intermediate } = simulate([run([CALM, 120], [SATURATED, 6], [CALM, 120])]);
    const h = generatorHealth(aggregate, intermediate);
    assert.equal(h.overloaded, false, h.problems.join('; '));
    assert.equal(h.worstSaturatedInWindowS, 6);
    assert.equal(h.eventLoopDelayP99Ms, 3, 'the typical second');
  });

  it('a sustained overload in the middle of a long calm run fails, naming where and at what concurrency', () => {
    // 10 calm minutes, 30 s saturated, 10 calm minutes: the median second is calm, the old rule passed this
    const { aggregate, intermediate } = simulate([run([CALM, 600], [SATURATED, 30], [CALM, 600])]);
    const h = generatorHealth(aggregate, intermediate);
    assert.equal(h.overloaded, true);
    assert.equal(h.eventLoopDelayP99Ms, 3, 'the median over the run is calm');
    assert.match(h.problems[0] ?? '', /^a worker was saturated \(busy and late\) for 20 of 20 s 6\d\d–6\d\d s into the run, with 300 users \(the peak\)/);
    assert.ok(h.saturatedPeriods.length >= 1);
  });

  it('one saturated worker among three calm ones fails: the worst worker is kept through the aggregation', () => {
    const calm = run([CALM, 120]);
    const { aggregate, intermediate } = simulate([calm, calm, run([CALM, 50], [SATURATED, 25], [CALM, 45])]);
    const h = generatorHealth(aggregate, intermediate);
    assert.equal(h.overloaded, true);
    assert.equal(h.worstSaturatedInWindowS, 20);
    assert.ok((h.saturatedSeconds ?? 0) === 25 && (h.sampledSeconds ?? 0) === 360);
  });

  it('overload that comes and goes all run long fails on its share of the run', () => {
    // one saturated second in three for 10 minutes: never 15 s of 20, but a third of the run
    const { aggregate, intermediate } = simulate([run(...Array.from({ length: 200 }, (): [GeneratorReading, number][] => [[SATURATED, 1], [CALM, 2]]).flat())]);
    const h = generatorHealth(aggregate, intermediate);
    assert.equal(h.overloaded, true);
    assert.ok((h.worstSaturatedInWindowS ?? 0) < GENERATOR_LIMITS.maxSaturatedInWindowS);
    assert.match(h.problems[0] ?? '', /saturated \(busy and late\) for 200 s in all, 33 % of the 600-s profile \(limit 10 %\)/);
  });

  it('a spinning but punctual loop (busy, not late) passes', () => {
    const { aggregate, intermediate } = simulate([run([{ seconds: 1, delayP99Ms: 2, busyPercent: 100 }, 60])]);
    assert.equal(generatorHealth(aggregate, intermediate).overloaded, false);
  });

  it('without generator samples there is nothing to judge', () => {
    const h = generatorHealth({ counters: { 'vusers.created': 1 }, summaries: {} }, []);
    assert.equal(h.overloaded, false);
    assert.ok(!('eventLoopDelayP99Ms' in h) && !('busyShare' in h));
  });
});

describe('where a stretch lies', () => {
  const T = 1_800_000_000_000;
  /** Periods of 10 s: users present and planned (all workers), each as a mean over the period. */
  const periods = (present: number[], planned?: number[]): PeriodReport[] =>
    present.map((u, i) => ({
      period: T + i * 10_000,
      counters: { [L.userSeconds]: u * 10, ...(planned ? { [L.plannedUserSeconds]: (planned[i] ?? 0) * 10 } : {}) },
      summaries: {},
    }));

  it("the profile's peak is where the plan peaked, though an overloaded generator's users came late and crowded a later period", () => {
    // Planned 900 at 20-30 s; the users present lagged at 600 there and reached 900 after the profile's end.
    const p = periods([10, 300, 600, 900, 450], [10, 450, 900, 0, 0]);
    assert.equal(describeStretch(p, [T + 20_000], 0), '20–30 s into the run, with 600 users (the peak)');
    assert.equal(describeStretch(p, [T + 10_000], 0), '10–20 s into the run, with 300 users');
  });

  it('a stretch at the end of the peak, in a period the profile left part-way, still reads as the peak (the users present say so)', () => {
    const second = (counts: number[]) => Object.fromEntries(counts.map((n, i) => [`${L.usersAtSecondPrefix}${i}`, n]));
    const p: PeriodReport[] = [
      { period: T, counters: { ...second(Array(10).fill(900)), [L.plannedUserSeconds]: 9000 }, summaries: {} },
      { period: T + 10_000, counters: { ...second([900, 900, 900, 900, 900, 900, 805, 688, 0]), [L.plannedUserSeconds]: 6300 }, summaries: {} },
    ];
    assert.equal(describeStretch(p, [T + 10_000], 0), '10–20 s into the run, with 900 users (the peak)');
  });

  it('without the plan (older files): the users present', () => {
    const p = periods([10, 300, 600, 900, 450]);
    assert.equal(describeStretch(p, [T + 20_000], 0), '20–30 s into the run, with 600 users');
    assert.equal(describeStretch(p, [T + 30_000], 0), '30–40 s into the run, with 900 users (the peak)');
  });
});

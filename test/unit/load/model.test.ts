import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  concurrencyAt,
  departureTime,
  peakConcurrency,
  phasesFor,
  plannedArrivals,
  type Stage,
  totalDuration,
  validateStages,
} from '../../../src/load/model.ts';

const near = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);

const upHoldDown: Stage[] = [
  { duration: 10, target: 100 },
  { duration: 20, target: 100 },
  { duration: 10, target: 0 },
];

describe('totalDuration and peakConcurrency', () => {
  it('sum durations and take the highest target', () => {
    assert.equal(totalDuration(upHoldDown), 40);
    assert.equal(peakConcurrency(upHoldDown), 100);
    assert.equal(peakConcurrency([{ duration: 5, target: 7 }, { duration: 5, target: 30 }, { duration: 5, target: 12 }]), 30);
    assert.equal(totalDuration([]), 0);
    assert.equal(peakConcurrency([]), 0);
  });
});

describe('concurrencyAt', () => {
  it('interpolates linearly within each stage', () => {
    assert.equal(concurrencyAt(upHoldDown, 0), 0);
    assert.equal(concurrencyAt(upHoldDown, 2.5), 25);
    assert.equal(concurrencyAt(upHoldDown, 10), 100);
    assert.equal(concurrencyAt(upHoldDown, 29.9), 100);
    assert.equal(concurrencyAt(upHoldDown, 35), 50);
  });

  it('is 0 before the start and from the end on', () => {
    assert.equal(concurrencyAt(upHoldDown, -1), 0);
    assert.equal(concurrencyAt(upHoldDown, 40), 0);
    assert.equal(concurrencyAt(upHoldDown, 1000), 0);
  });

  it('starts each stage from the previous target', () => {
    const stages: Stage[] = [
      { duration: 10, target: 50 },
      { duration: 10, target: 150 },
    ];
    assert.equal(concurrencyAt(stages, 15), 100);
  });
});

describe('phasesFor', () => {
  it('a whole rate becomes one arrival phase; holds and falls become pauses', () => {
    assert.deepEqual(phasesFor(upHoldDown), [
      { name: 'stage 1: 0→100 users over 10s (10/s)', duration: 10, arrivalRate: 10 },
      { name: 'stage 2: 100→100 users over 20s (hold)', pause: 20 },
      { name: 'stage 3: 100→0 users over 10s (users leave)', pause: 10 },
    ]);
  });

  it('a fractional rate is cut into up to four pieces of whole rates, adding up to the rise exactly', () => {
    const phases = phasesFor([{ duration: 120, target: 1000 }]);
    assert.equal(plannedArrivals(phases), 1000);
    assert.ok(phases.length <= 8, `${phases.length} phases`);
    for (const p of phases) assert.ok(Number.isInteger(p.arrivalRate) && Number.isInteger(p.duration), p.name);
    // each 30 s quarter brings a quarter of the users: the plan follows the straight line
    let t = 0;
    let arrived = 0;
    for (const p of phases) {
      t += p.duration ?? 0;
      arrived += (p.arrivalRate ?? 0) * (p.duration ?? 0);
      if (t % 30 === 0) assert.equal(arrived, Math.round((1000 * t) / 120), `at ${t} s`);
    }
  });

  it('fewer users than seconds: an evenly spaced count over the whole stage', () => {
    assert.deepEqual(phasesFor([{ duration: 60, target: 20 }]), [{ name: 'stage 1: 0→20 users over 1m (20 evenly)', duration: 60, arrivalCount: 20 }]);
  });

  it('every phase has a name and the phases last as long as the profile', () => {
    const stages: Stage[] = [
      { duration: 7, target: 23 },
      { duration: 13, target: 23 },
      { duration: 9, target: 61 },
      { duration: 11, target: 5 },
    ];
    const phases = phasesFor(stages);
    assert.ok(phases.every((p) => typeof p.name === 'string' && p.name.length > 0));
    assert.equal(phases.reduce((s, p) => s + (p.duration ?? p.pause ?? 0), 0), totalDuration(stages));
    assert.equal(plannedArrivals(phases), 23 + (61 - 23));
  });

  it('divides arrivals over distributed workers', () => {
    const one = plannedArrivals(phasesFor([{ duration: 10, target: 100 }], 1));
    const four = plannedArrivals(phasesFor([{ duration: 10, target: 100 }], 4));
    assert.equal(one, 100);
    assert.equal(four, 25);
  });

  it('refuses a divisor that is not a positive integer', () => {
    assert.throws(() => phasesFor(upHoldDown, 0), /positive integer/);
    assert.throws(() => phasesFor(upHoldDown, 1.5), /positive integer/);
    assert.throws(() => phasesFor(upHoldDown, -2), /positive integer/);
  });
});

describe('plannedArrivals', () => {
  it('counts arrival phases only', () => {
    assert.equal(plannedArrivals([{ name: 'a', duration: 10, arrivalRate: 3 }, { name: 'p', pause: 100 }, { name: 'b', duration: 2, arrivalRate: 5 }]), 40);
    assert.equal(plannedArrivals([]), 0);
  });
});

describe('validateStages', () => {
  it('accepts whole, non-negative stages', () => {
    assert.deepEqual(validateStages(upHoldDown), []);
  });

  it('refuses an empty profile, bad durations and bad targets', () => {
    assert.deepEqual(validateStages([]), ['a profile needs at least one stage']);
    const problems = validateStages([
      { duration: 0, target: 10 },
      { duration: 1.5, target: 10 },
      { duration: 10, target: -5 },
      { duration: 10, target: 2.5 },
    ]);
    assert.equal(problems.length, 4);
    assert.match(problems[0] ?? '', /^stage 1: duration/);
    assert.match(problems[1] ?? '', /^stage 2: duration/);
    assert.match(problems[2] ?? '', /^stage 3: target/);
    assert.match(problems[3] ?? '', /^stage 4: target/);
  });
});

describe('departureTime', () => {
  it('last in, first out on a ramp-down', () => {
    // rank k leaves when C reaches k - 1: C(t) = 100 - 10 (t - 30) on 30..40
    near(departureTime(upHoldDown, 10), 30.1); // rank 100 leaves first
    near(departureTime(upHoldDown, 5), 35.1); // rank 50 leaves when C reaches 49
    near(departureTime(upHoldDown, 0.1), 40); // rank 1 leaves at the end
    assert.ok(departureTime(upHoldDown, 2) > departureTime(upHoldDown, 8), 'earlier arrivals stay longer');
  });

  it('nobody outlives the profile', () => {
    const hold: Stage[] = [
      { duration: 10, target: 100 },
      { duration: 50, target: 100 },
    ];
    assert.equal(departureTime(hold, 3), 60);
    assert.equal(departureTime(hold, 9.9), 60);
    assert.equal(departureTime(upHoldDown, 100), 40);
  });

  it('a user above a partial ramp-down leaves on it; below stays for the next one', () => {
    const stages: Stage[] = [
      { duration: 10, target: 100 },
      { duration: 10, target: 50 },
      { duration: 10, target: 50 },
      { duration: 10, target: 0 },
    ];
    near(departureTime(stages, 8), 14.2); // rank 80 leaves when C reaches 79 (100 - 5 (t - 10))
    near(departureTime(stages, 3), 34.2); // rank 30 stays through the first fall, leaves when C reaches 29 (50 - 5 (t - 30))
  });

  it('a user who joins a second rise leaves on the following fall', () => {
    const stages: Stage[] = [
      { duration: 10, target: 50 },
      { duration: 10, target: 20 },
      { duration: 10, target: 80 },
      { duration: 10, target: 0 },
    ];
    // arrives at t = 25 as the 50th user (20 + 6 * 5): leaves when C passes 49 on the last fall
    near(departureTime(stages, 25), 30 + (10 * (80 - 49)) / 80);
  });

  it('ranks follow the arrival plan: an evenly spaced slow ramp leaves in reverse order', () => {
    // 0→20 over 60 s arrives one user every 3 s (arrivalCount): the user at t = 60
    // is rank 20 and leaves first on the fall 20→0 over 20 s, the one at t = 3 (rank 1) last.
    const stages: Stage[] = [
      { duration: 60, target: 20 },
      { duration: 20, target: 0 },
    ];
    near(departureTime(stages, 59.999), 61);
    near(departureTime(stages, 30), 71);
    near(departureTime(stages, 6), 79);
    near(departureTime(stages, 3), 80);
    // arrivals during the fall (late, by a slow generator) rank as the population then
    near(departureTime(stages, 65), 66);
  });
});

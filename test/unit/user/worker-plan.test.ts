import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { phasesFor } from '../../../src/load/model.ts';
import { planAt, publishWorkerPhases, workerPhases, workerPlan } from '../../../src/user/worker-plan.ts';
import { sampleMetrics } from '../../../src/user/presence.ts';
import { METRICS } from '../../../src/metric-names.ts';

const STAGES = [
  { duration: 2, target: 6 },
  { duration: 6, target: 6 },
  { duration: 1, target: 0 },
];

describe('workerPlan', () => {
  it("a worker's share comes from the arrivals Artillery gave it; the shares of all workers add up to the profile", () => {
    // Artillery splits arrivalRate 3 over 3 workers as 1 + 1 + 1, over 2 as 2 + 1
    const phases = phasesFor(STAGES);
    const split = (rate: number) => phases.map((p) => (p.arrivalRate ? { ...p, arrivalRate: rate } : p));
    assert.equal(workerPlan(STAGES, split(1)).share, 1 / 3);
    const two = [workerPlan(STAGES, split(2)), workerPlan(STAGES, split(1))];
    assert.equal(two[0]!.share + two[1]!.share, 1);
    assert.equal(two[0]!.plannedUsers + two[1]!.plannedUsers, 6);
    assert.equal(workerPlan(STAGES, undefined).share, 1, 'without its phases a worker runs the whole profile');
  });

  it('plans C(t) times the share, and knows the holds away from their edges', () => {
    const plan = workerPlan(STAGES, undefined);
    assert.deepEqual(planAt(plan, 1), { planned: 3, hold: false });
    assert.deepEqual(planAt(plan, 3), { planned: 6, hold: false }, 'within 2 s of the ramp');
    assert.deepEqual(planAt(plan, 5), { planned: 6, hold: true });
    assert.deepEqual(planAt(plan, 7.5), { planned: 6, hold: false }, 'within 2 s of the end of the hold');
    assert.deepEqual(planAt(plan, 9), { planned: 0, hold: false });
  });

  it("the plugin leaves a worker's phases on the thread's global object for the processor", () => {
    const g: Record<symbol, unknown> = {};
    assert.equal(workerPhases(g), undefined);
    publishWorkerPhases([{ duration: 2, arrivalRate: 1 }], g);
    assert.deepEqual(workerPhases(g), [{ duration: 2, arrivalRate: 1 }]);
  });
});

describe('presence samples as metrics', () => {
  it('counts users, plan and gate holds, and puts the users under the counter of their wall-clock second', () => {
    const plan = workerPlan(STAGES, undefined);
    const epoch = 1_800_000_000_000;
    const m = sampleMetrics({ now: epoch + 5_400, users: 5, renders: 0, held: 1 }, plan, epoch, ['users']);
    const c = Object.fromEntries(m.counters);
    const L = METRICS.load;
    assert.equal(c[L.userSeconds], 5);
    assert.equal(c[`${L.usersAtSecondPrefix}5`], 5);
    assert.equal(c[L.plannedUserSeconds], 6);
    assert.equal(c[L.holdUserSeconds], 5);
    assert.equal(c[L.holdPlannedUserSeconds], 6);
    assert.equal(c[L.gateHeldUserSeconds], 1);
    assert.deepEqual(Object.fromEntries(m.histograms), { [L.concurrentUsers]: 5, [L.elapsedSeconds]: 5.4 });
  });
});

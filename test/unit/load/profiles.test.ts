import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { concurrencyAt, departureTime, type Phase, phasesFor, plannedArrivals, type Stage, totalDuration, validateStages } from '../../../src/load/model.ts';
import { ENVIRONMENTS, isEnvironmentName, PROFILES, SCENARIOS } from '../../../src/load/profiles.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
/** Artillery busy-waits above this many arrivals per second per worker. */
const MAX_ARRIVAL_RATE = 40;

const everyProfile = SCENARIOS.flatMap((scenario) => ENVIRONMENTS.map((environment) => ({ scenario, environment, profile: PROFILES[scenario][environment] })));

/** The phases phasesFor() makes for stage `i` (their names start with "stage i+1:"). */
function phasesOfStage(phases: readonly Phase[], i: number): Phase[] {
  return phases.filter((p) => p.name.startsWith(`stage ${i + 1}:`));
}

/** Arrival times as Artillery's uniform process emits them: one every 1/rate s, the first after one interval. */
function arrivalTimes(phases: readonly Phase[]): number[] {
  const out: number[] = [];
  let start = 0;
  for (const p of phases) {
    const d = p.duration ?? p.pause ?? 0;
    if (p.arrivalRate) for (let k = 1; k <= p.arrivalRate * d; k++) out.push(start + k / p.arrivalRate);
    if (p.arrivalCount) for (let k = 1; k <= p.arrivalCount; k++) out.push(start + (k * d) / p.arrivalCount);
    start += d;
  }
  return out;
}

function isRising(stages: readonly Stage[], t: number): boolean {
  let from = 0;
  let start = 0;
  for (const st of stages) {
    if (t < start + st.duration) return st.target > from;
    from = st.target;
    start += st.duration;
  }
  return false;
}

/** Users alive at sampled times (mid-second, so never exactly on an arrival) minus C(t). */
function deviations(stages: readonly Stage[]): { t: number; alive: number; expected: number; rising: boolean }[] {
  const arrivals = arrivalTimes(phasesFor(stages));
  const departures = arrivals.map((a) => departureTime(stages, a));
  const out = [];
  for (let t = 0.25; t < totalDuration(stages); t += 0.5) {
    let alive = 0;
    for (let i = 0; i < arrivals.length; i++) if ((arrivals[i] as number) <= t && (departures[i] as number) > t) alive++;
    out.push({ t, alive, expected: concurrencyAt(stages, t), rising: isRising(stages, t) });
  }
  return out;
}

describe('profiles', () => {
  it('cover every scenario and environment', () => {
    assert.deepEqual(Object.keys(PROFILES).sort(), [...SCENARIOS].sort());
    for (const s of SCENARIOS) assert.deepEqual(Object.keys(PROFILES[s]).sort(), [...ENVIRONMENTS].sort());
    assert.equal(isEnvironmentName('prod'), true);
    assert.equal(isEnvironmentName('production'), false);
  });

  for (const { scenario, environment, profile } of everyProfile) {
    describe(`${scenario} × ${environment} (${profile.name})`, () => {
      it('validates and is described', () => {
        assert.deepEqual(validateStages(profile.stages), []);
        assert.ok(profile.name.length > 0 && profile.description.length > 0);
      });

      it('each rising stage creates exactly the users it adds, within the stage', () => {
        const phases = phasesFor(profile.stages);
        let from = 0;
        profile.stages.forEach((st, i) => {
          const own = phasesOfStage(phases, i);
          assert.ok(own.length >= 1, `stage ${i + 1} has phases`);
          assert.equal(own.reduce((s, p) => s + (p.duration ?? p.pause ?? 0), 0), st.duration, `stage ${i + 1} lasts as set`);
          assert.equal(plannedArrivals(own), Math.max(0, st.target - from), `stage ${i + 1} arrivals`);
          from = st.target;
        });
        assert.equal(phases.reduce((s, p) => s + (p.duration ?? p.pause ?? 0), 0), totalDuration(profile.stages));
      });

      it(`arrival rates are whole numbers and at most ${MAX_ARRIVAL_RATE}/s`, () => {
        for (const p of phasesFor(profile.stages)) {
          if (p.arrivalCount !== undefined) {
            // slower than one a second: an evenly spaced count, in one local worker
            assert.ok(Number.isInteger(p.arrivalCount) && p.arrivalCount >= 1 && p.arrivalCount < (p.duration ?? 0), p.name);
            continue;
          }
          if (p.arrivalRate === undefined) {
            assert.ok(p.pause !== undefined && p.pause > 0, p.name);
            continue;
          }
          assert.ok(Number.isInteger(p.arrivalRate) && p.arrivalRate >= 1, `${p.name}: ${p.arrivalRate}`);
          assert.ok(p.arrivalRate <= MAX_ARRIVAL_RATE, `${p.name}: ${p.arrivalRate}/s`);
          assert.ok(Number.isInteger(p.duration) && (p.duration as number) > 0, p.name);
        }
      });

      it('users alive follow C(t) within ±2 wherever nobody arrives (holds and ramp-downs)', () => {
        for (const d of deviations(profile.stages)) {
          if (d.rising) continue;
          assert.ok(Math.abs(d.alive - d.expected) <= 2, `t=${d.t}s: ${d.alive} alive, C=${d.expected}`);
        }
      });

      it('while ramping up, users alive stay within a quarter of the ramp\'s seconds (+2) of the straight line', () => {
        // Two phases of whole rates per ramp, the faster first, ending on the line: r + 1 a second for f seconds, then r,
        // stray f(1 − f/D) ≤ D/4 users from it.
        let start = 0;
        for (const st of profile.stages) {
          const from = concurrencyAt(profile.stages, start);
          const rise = st.target - from;
          if (rise > 0) {
            const tolerance = 2 + st.duration / 4;
            for (const d of deviations(profile.stages).filter((x) => x.t > start && x.t < start + st.duration)) {
              assert.ok(Math.abs(d.alive - d.expected) <= tolerance, `t=${d.t}s: ${d.alive} alive, C=${d.expected.toFixed(1)}, tolerance ${tolerance}`);
            }
          }
          start += st.duration;
        }
      });
    });
  }

  it('the scenario YAML files carry the phases of src/load/profiles.ts (scripts/profiles.ts --check)', () => {
    const r = spawnSync(process.execPath, ['scripts/profiles.ts', '--check'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.error, undefined);
    assert.equal(r.status, 0, r.stderr);
  });
});

describe('departures: users alive ≈ C(t) over a whole profile', () => {
  const cases: { name: string; stages: Stage[] }[] = [
    { name: 'embed smoke profile', stages: PROFILES.embed.local.stages },
    { name: 'render smoke profile', stages: PROFILES.render.local.stages },
    {
      name: 'ramp-up / hold / ramp-down',
      stages: [
        { duration: 20, target: 200 },
        { duration: 30, target: 200 },
        { duration: 25, target: 0 },
      ],
    },
    {
      name: 'two ramps, a partial ramp-down, a hold and a final ramp-down',
      stages: [
        { duration: 10, target: 50 },
        { duration: 10, target: 150 },
        { duration: 20, target: 150 },
        { duration: 15, target: 60 },
        { duration: 10, target: 60 },
        { duration: 30, target: 0 },
      ],
    },
  ];

  for (const c of cases) {
    it(`${c.name}: within ±2 at every sampled time`, () => {
      const samples = deviations(c.stages);
      assert.ok(samples.some((d) => d.expected > 0 && d.alive > 0), 'the simulation has users');
      for (const d of samples) assert.ok(Math.abs(d.alive - d.expected) <= 2, `t=${d.t}s: ${d.alive} alive, C=${d.expected}`);
    });
  }

  it('everybody has left by the end of the profile', () => {
    const stages = cases[2]?.stages ?? [];
    const end = totalDuration(stages);
    for (const a of arrivalTimes(phasesFor(stages))) assert.ok(departureTime(stages, a) <= end);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planLoad, UsageError } from '../../../scripts/load.ts';
import { decodeStages, describeStages, encodeStages, parseDuration, parseStage, parseStages, rampUpSeconds, StageSyntaxError, vusStages } from '../../../src/load/stages.ts';
import { phasesFor, plannedArrivals } from '../../../src/load/model.ts';
import { PROFILES, SCENARIOS, ENVIRONMENTS } from '../../../src/load/profiles.ts';
import type { Stage } from '../../../src/load/model.ts';

describe('durations and stages from the command line', () => {
  it('reads s, m, h and their combinations as whole seconds', () => {
    assert.equal(parseDuration('90s'), 90);
    assert.equal(parseDuration('2m'), 120);
    assert.equal(parseDuration('1h'), 3600);
    assert.equal(parseDuration('1h30m'), 5400);
    assert.equal(parseDuration('1m30s'), 90);
  });

  it('refuses a duration without a unit, with a fraction, or of 0', () => {
    for (const bad of ['120', '1.5m', '2min', '0s', '', 'm', '-1m', '2 m']) {
      assert.throws(() => parseDuration(bad), StageSyntaxError, bad);
    }
  });

  it('reads DURATION:USERS', () => {
    assert.deepEqual(parseStage('2m:1000'), { duration: 120, target: 1000 });
    assert.deepEqual(parseStage('30s:0'), { duration: 30, target: 0 });
  });

  it('names what is wrong in a malformed stage', () => {
    assert.throws(() => parseStage('2m'), /--stage "2m" is not DURATION:USERS \(e\.g\. --stage 2m:1000\)/);
    assert.throws(() => parseStage('2m:'), /is not DURATION:USERS/);
    assert.throws(() => parseStage('2m:1k'), /--stage "2m:1k": users "1k" is not a whole number of users/);
    assert.throws(() => parseStage('2x:10'), /--stage "2x:10": duration "2x" is not a duration/);
    assert.throws(() => parseStage('1:2:3'), /is not DURATION:USERS/);
    assert.throws(() => parseStages(['1m:0', '1m:0']), /no stage asks for any user/);
  });

  it('the requirements\' k6 stages become the production profile\'s first three stages', () => {
    const stages = parseStages(['2m:1000', '5m:5000', '5m:10000']);
    assert.deepEqual(stages, [
      { duration: 120, target: 1000 },
      { duration: 300, target: 5000 },
      { duration: 300, target: 10000 },
    ]);
    assert.equal(describeStages(stages), '2m:1000 5m:5000 5m:10000');
    assert.equal(plannedArrivals(phasesFor(stages)), 10000, 'the load model plans every user');
  });

  it('--vus/--duration: a short ramp-up inside the duration, then the hold', () => {
    assert.deepEqual(vusStages('1000', '2m'), [
      { duration: 25, target: 1000 },
      { duration: 95, target: 1000 },
    ]);
    assert.deepEqual(vusStages('10', '24s'), [
      { duration: 2, target: 10 },
      { duration: 22, target: 10 },
    ]);
    assert.equal(rampUpSeconds(5, 2), 1, 'at least 1 s');
    assert.equal(rampUpSeconds(100_000, 60), 30, 'at most half the duration');
    assert.equal(rampUpSeconds(10, 600), 60, 'a tenth of a long run');
    assert.throws(() => vusStages('0', '2m'), /--vus must be at least 1/);
    assert.throws(() => vusStages('ten', '2m'), /--vus "ten" is not a whole number/);
    assert.throws(() => vusStages('10', '1s'), /too short/);
  });
});

describe('npm run load with a load shape', () => {
  const args = ['--scenario', 'embed', '--env', 'staging', '--dry-run'];

  function overrides(plan: ReturnType<typeof planLoad>): { config: { phases: { arrivalRate?: number; duration?: number }[]; variables: { luneoProfile: string; luneoStages: string } } } {
    const i = plan.args.indexOf('--overrides');
    assert.ok(i >= 0, 'the shape travels in --overrides');
    return JSON.parse(plan.args[i + 1] as string);
  }

  it('--stage replaces the profile, through the same load model, and says so', () => {
    const plan = planLoad([...args, '--stage', '2m:1000', '--stage', '5m:5000', '--stage', '5m:10000', '--workers', '4'], {});
    assert.equal(plan.profileName, 'cli-stages');
    assert.deepEqual(plan.stages.map((s) => s.target), [1000, 5000, 10000]);
    const o = overrides(plan);
    assert.equal(o.config.variables.luneoStages, '2m:250 5m:1250 5m:2500', 'divided by the 4 workers, as a named profile');
    assert.deepEqual(decodeStages(o.config.variables.luneoStages), plan.stages.map((s) => ({ duration: s.duration, target: s.target / 4 })));
    assert.equal(plannedArrivals(o.config.phases), 2500);
    assert.ok(plan.notes.some((n) => n.includes('stages from the command line: 2m:1000 5m:5000 5m:10000')));
  });

  it('--vus/--duration states its ramp-up', () => {
    const plan = planLoad([...args, '--vus', '1000', '--duration', '2m'], {});
    assert.ok(plan.notes.some((n) => /--vus 1000 --duration 2m: ramp-up 0→1,000 over 25 s, then 1,000 held for 95 s/.test(n)), plan.notes.join('\n'));
    assert.equal(overrides(plan).config.variables.luneoStages, '25s:1000 95s:1000');
  });

  it('the production guard applies to command-line shapes too', () => {
    assert.throws(
      () => planLoad(['--scenario', 'embed', '--env', 'prod', '--stage', '2m:1000', '--dry-run'], {}),
      (err: unknown) => err instanceof UsageError && /LUNEO_CONFIRM_FULL_LOAD=api\.luneo\.app/.test(err.message),
    );
    const small = planLoad(['--scenario', 'embed', '--env', 'prod', '--stage', '1m:100', '--dry-run'], {});
    assert.equal(small.stages[0]?.target, 100, 'small shapes need no confirmation');
  });

  it('a malformed or contradictory shape is a usage error (exit 2), before anything runs', () => {
    const cases: [string[], RegExp][] = [
      [['--stage', '2m'], /--stage "2m" is not DURATION:USERS/],
      [['--stage', '2:100'], /duration "2" is not a duration/],
      [['--vus', '100'], /--vus and --duration go together/],
      [['--duration', '2m'], /--vus and --duration go together/],
      [['--stage', '1m:10', '--vus', '10', '--duration', '1m'], /--stage and --vus\/--duration both set the load/],
      [['--stage', '1m:10', '--profile', 'ci'], /--stage and --profile both set the load/],
      [['--vus', '10', '--vus', '20', '--duration', '1m'], /--vus is given twice/],
    ];
    for (const [extra, message] of cases) {
      assert.throws(() => planLoad([...args, ...extra], {}), (err: unknown) => err instanceof UsageError && message.test(err.message), extra.join(' '));
    }
  });
});

describe('encodeStages', () => {
  it('writes DURATION:USERS separated by spaces, the syntax of --stage', () => {
    assert.equal(
      encodeStages([
        { duration: 120, target: 1000 },
        { duration: 300, target: 5000 },
      ]),
      '2m:1000 5m:5000',
    );
    assert.equal(encodeStages([]), '');
  });
});

describe('decodeStages', () => {
  it('reads what encodeStages wrote, for every profile', () => {
    for (const s of SCENARIOS) {
      for (const e of ENVIRONMENTS) {
        const stages = PROFILES[s][e].stages;
        assert.deepEqual(decodeStages(encodeStages(stages)), stages);
      }
    }
  });

  it('tolerates surrounding and repeated whitespace', () => {
    const expected: Stage[] = [
      { duration: 5, target: 10 },
      { duration: 15, target: 0 },
    ];
    assert.deepEqual(decodeStages('  5s:10 \t 15s:0\n'), expected);
  });

  it('says the variable is missing when it is', () => {
    for (const v of [undefined, null, '', '   ', 42, ['5s:10']]) {
      assert.throws(() => decodeStages(v), /luneoStages is missing/, String(v));
    }
  });

  it('names the part that is not DURATION:USERS', () => {
    assert.throws(() => decodeStages('5s:10 15s-0'), /"15s-0" is not DURATION:USERS/);
    assert.throws(() => decodeStages('1.5s:10'), /"1.5s:10" is not DURATION:USERS/);
    assert.throws(() => decodeStages('5s:-10'), /"5s:-10" is not DURATION:USERS/);
    assert.deepEqual(decodeStages('5:10 15:0'), [{ duration: 5, target: 10 }, { duration: 15, target: 0 }], 'bare seconds: results files written before the one syntax');
    assert.throws(() => decodeStages('5s:10,15s:0'), /is not DURATION:USERS/);
    assert.deepEqual(decodeStages('1m30s:10 2h:0'), [{ duration: 90, target: 10 }, { duration: 7200, target: 0 }], 'the syntax of --stage');
  });

  it('refuses stages that do not validate', () => {
    assert.throws(() => decodeStages('0s:10'), /luneoStages: "0s:10" is not DURATION:USERS/);
    assert.throws(() => decodeStages('0:10'), /luneoStages: stage 1: duration must be a positive whole number/);
  });
});

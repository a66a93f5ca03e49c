import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Stage } from '../../../src/load/model.ts';
import { PROFILES, SCENARIOS, ENVIRONMENTS } from '../../../src/load/profiles.ts';
import { decodeStages, encodeStages } from '../../../src/load/stages-codec.ts';

describe('encodeStages', () => {
  it('writes seconds:users separated by spaces', () => {
    assert.equal(
      encodeStages([
        { duration: 120, target: 1000 },
        { duration: 300, target: 5000 },
      ]),
      '120:1000 300:5000',
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
    assert.deepEqual(decodeStages('  5:10 \t 15:0\n'), expected);
  });

  it('says the variable is missing when it is', () => {
    for (const v of [undefined, null, '', '   ', 42, ['5:10']]) {
      assert.throws(() => decodeStages(v), /luneoStages is missing/, String(v));
    }
  });

  it('names the part that is not seconds:users', () => {
    assert.throws(() => decodeStages('5:10 15-0'), /"15-0" is not seconds:users/);
    assert.throws(() => decodeStages('1.5:10'), /"1.5:10" is not seconds:users/);
    assert.throws(() => decodeStages('5:-10'), /"5:-10" is not seconds:users/);
    assert.throws(() => decodeStages('5m:10'), /is not seconds:users/);
    assert.throws(() => decodeStages('5:10,15:0'), /is not seconds:users/);
  });

  it('refuses stages that do not validate', () => {
    assert.throws(() => decodeStages('0:10'), /luneoStages: stage 1: duration must be a positive whole number/);
  });
});

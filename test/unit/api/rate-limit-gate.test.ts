import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostOf, RateLimitGate } from '../../../src/api/rate-limit-gate.ts';

function fakeClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('RateLimitGate', () => {
  it('is open for a host it never heard of', () => {
    const gate = new RateLimitGate(fakeClock().now, 20);
    assert.equal(gate.waitMs('api.test'), 0);
  });

  it('after a 429, waits the delay plus the margin, counting down with the clock', () => {
    const clock = fakeClock();
    const gate = new RateLimitGate(clock.now, 20);
    gate.close('api.test', 1000);
    assert.equal(gate.waitMs('api.test'), 1020);
    clock.advance(400);
    assert.equal(gate.waitMs('api.test'), 620);
    clock.advance(620);
    assert.equal(gate.waitMs('api.test'), 0);
    clock.advance(1);
    assert.equal(gate.waitMs('api.test'), 0);
  });

  it('is per host', () => {
    const gate = new RateLimitGate(fakeClock().now, 0);
    gate.close('api.test', 500);
    assert.equal(gate.waitMs('api.test'), 500);
    assert.equal(gate.waitMs('widget.test'), 0);
  });

  it('a shorter Retry-After never shortens a longer wait; a longer one extends it', () => {
    const clock = fakeClock();
    const gate = new RateLimitGate(clock.now, 0);
    gate.close('api.test', 5000);
    gate.close('api.test', 1000);
    assert.equal(gate.waitMs('api.test'), 5000);
    clock.advance(1000);
    gate.close('api.test', 6000);
    assert.equal(gate.waitMs('api.test'), 6000);
  });

  it('uses a default margin of 20 ms', () => {
    const gate = new RateLimitGate(fakeClock().now);
    gate.close('h', 0);
    assert.equal(gate.waitMs('h'), 20);
  });

  it('pass() sleeps until the host is open and reports the total wait', async () => {
    const clock = fakeClock();
    const gate = new RateLimitGate(clock.now, 20);
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      clock.advance(ms);
    };
    assert.equal(await gate.pass('api.test', sleep), 0);
    assert.deepEqual(sleeps, []);
    gate.close('api.test', 2000);
    assert.equal(await gate.pass('api.test', sleep), 2020);
    assert.deepEqual(sleeps, [2020]);
    assert.equal(gate.waitMs('api.test'), 0);
  });

  it('pass() waits again when another 429 extends the wait meanwhile', async () => {
    const clock = fakeClock();
    const gate = new RateLimitGate(clock.now, 0);
    const sleeps: number[] = [];
    let extended = false;
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      clock.advance(ms / 2);
      if (!extended) {
        extended = true;
        gate.close('api.test', 3000); // another user's 429, half-way through our wait
      }
      clock.advance(ms / 2);
    };
    gate.close('api.test', 1000);
    const waited = await gate.pass('api.test', sleep);
    assert.deepEqual(sleeps, [1000, 2500]);
    assert.equal(waited, 3500);
  });
});

describe('hostOf', () => {
  it('is the host with port of a URL, or the text itself', () => {
    assert.equal(hostOf('https://api.luneo.app/api/v1/render/2d'), 'api.luneo.app');
    assert.equal(hostOf('http://127.0.0.1:4010/health'), '127.0.0.1:4010');
    assert.equal(hostOf('not a url'), 'not a url');
    assert.equal(hostOf(''), '');
  });
});

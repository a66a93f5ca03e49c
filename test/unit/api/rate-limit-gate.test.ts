import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { GATE_CELLS, GateClosedError, hostOf, RateLimitGate } from '../../../src/api/rate-limit-gate.ts';

function fakeClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** A gate on a fake clock whose sleeps advance it, recording each. */
function clocked(marginMs = 20) {
  const clock = fakeClock();
  const sleeps: number[] = [];
  const gate = new RateLimitGate({
    now: clock.now,
    marginMs,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
  });
  return { clock, sleeps, gate };
}

describe('RateLimitGate', () => {
  it('is open for a host it never heard of', () => {
    const { gate } = clocked();
    assert.equal(gate.waitMs('api.test'), 0);
    assert.deepEqual(gate.tryPass('api.test'), { host: 'api.test', probe: false, lease: 0n, waitedMs: 0 });
  });

  it('after a 429, waits the delay plus the margin, counting down with the clock', () => {
    const { clock, gate } = clocked();
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
    const { gate } = clocked(0);
    gate.close('api.test', 500);
    assert.equal(gate.waitMs('api.test'), 500);
    assert.equal(gate.waitMs('widget.test'), 0);
  });

  it('a shorter Retry-After never shortens a longer wait; a longer one extends it', () => {
    const { clock, gate } = clocked(0);
    gate.close('api.test', 5000);
    gate.close('api.test', 1000);
    assert.equal(gate.waitMs('api.test'), 5000);
    clock.advance(1000);
    gate.close('api.test', 6000);
    assert.equal(gate.waitMs('api.test'), 6000);
  });

  it('uses a default margin of 20 ms', () => {
    const gate = new RateLimitGate({ now: fakeClock().now });
    gate.close('h', 0);
    assert.equal(gate.waitMs('h'), 20);
  });

  it('pass() sleeps until the host is open and reports the total wait', async () => {
    const { gate, sleeps } = clocked();
    assert.equal((await gate.pass('api.test')).waitedMs, 0);
    assert.deepEqual(sleeps, []);
    gate.close('api.test', 2000);
    const t = await gate.pass('api.test');
    assert.equal(t.waitedMs, 2020);
    assert.equal(t.probe, true, 'the first request after a wait is the probe');
    assert.deepEqual(sleeps, [2020]);
    assert.equal(gate.waitMs('api.test'), 0);
  });

  it('pass() waits again when another 429 extends the wait meanwhile', async () => {
    const clock = fakeClock();
    const sleeps: number[] = [];
    let extended = false;
    const gate: RateLimitGate = new RateLimitGate({
      now: clock.now,
      marginMs: 0,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advance(ms / 2);
        if (!extended) {
          extended = true;
          gate.close('api.test', 3000); // another user's 429, half-way through our wait
        }
        clock.advance(ms / 2);
      },
    });
    gate.close('api.test', 1000);
    const t = await gate.pass('api.test');
    assert.deepEqual(sleeps, [1000, 2500]);
    assert.equal(t.waitedMs, 3500);
  });

  it('a wait beyond maxWaitMs gives up with GateClosedError, and sends nothing early', async () => {
    const { gate, sleeps } = clocked(0);
    gate.close('api.test', 52_000);
    await assert.rejects(gate.pass('api.test', { maxWaitMs: 10_000 }), (err: unknown) => {
      assert.ok(err instanceof GateClosedError);
      assert.equal(err.waitMs, 52_000);
      assert.match(err.message, /^rate-limited: Retry-After beyond maxRetryAfterMs, the request gave up$/);
      return true;
    });
    assert.deepEqual(sleeps, [], 'it did not wait part of the way and go');
    // Within the limit it waits the whole Retry-After, never less.
    const t = await gate.pass('api.test', { maxWaitMs: 60_000 });
    assert.equal(t.waitedMs, 52_000);
  });

  it('after a wait one request goes first; the others follow only when it was not limited', async () => {
    const { clock, gate } = clocked(0);
    gate.close('api.test', 1000);
    clock.advance(1000);
    const first = gate.tryPass('api.test');
    assert.ok(first?.probe, 'the first caller is the probe');
    assert.equal(gate.tryPass('api.test'), undefined, 'nobody else goes while the probe is out');
    // The probe was limited again: closed for its new Retry-After, then one probe again.
    gate.settle(first, 429, 2000);
    assert.equal(gate.tryPass('api.test'), undefined);
    clock.advance(2000);
    const second = gate.tryPass('api.test');
    assert.ok(second?.probe);
    assert.equal(gate.tryPass('api.test'), undefined);
    gate.settle(second, 200);
    const after = gate.tryPass('api.test');
    assert.deepEqual(after && { probe: after.probe }, { probe: false }, 'open for all once the probe was answered');
  });

  it('waiters in pass() stay put while the probe is out and all go once it is answered', async () => {
    const clock = fakeClock();
    // Real (tiny) sleeps on a clock that stands still: the probe's lease cannot run out meanwhile.
    const gate = new RateLimitGate({ now: clock.now, marginMs: 0, sleep: () => new Promise((r) => setTimeout(r, 1)) });
    gate.close('api.test', 100);
    clock.advance(100);
    const probe = gate.tryPass('api.test')!;
    let released = 0;
    const waiters = Array.from({ length: 5 }, () => gate.pass('api.test').then((t) => {
      released++;
      return t;
    }));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(released, 0);
    gate.settle(probe, 200);
    const tickets = await Promise.all(waiters);
    assert.equal(released, 5);
    assert.ok(tickets.every((t) => !t.probe));
  });

  it('a non-probe answer never opens the gate; a probe that got no answer lets another prove the way', () => {
    const { clock, gate } = clocked(0);
    const inFlight = gate.tryPass('api.test')!;
    gate.close('api.test', 100);
    gate.settle(inFlight, 200); // sent before the 429: says nothing about now
    clock.advance(100);
    const probe = gate.tryPass('api.test')!;
    assert.ok(probe.probe);
    gate.release(probe);
    const next = gate.tryPass('api.test');
    assert.ok(next?.probe, 'another request becomes the probe');
  });

  it("an abandoned probe's lease runs out", () => {
    const clock = fakeClock();
    const gate = new RateLimitGate({ now: clock.now, marginMs: 0, probeLeaseMs: 5000 });
    gate.close('api.test', 10);
    clock.advance(10);
    assert.ok(gate.tryPass('api.test')?.probe);
    clock.advance(4999);
    assert.equal(gate.tryPass('api.test'), undefined);
    clock.advance(2);
    assert.ok(gate.tryPass('api.test')?.probe);
  });

  it('adopt() moves to shared storage keeping the stricter state', () => {
    const { gate, clock } = clocked(0);
    gate.close('api.test', 5000);
    const shared = new RateLimitGate({ cells: new BigInt64Array(new SharedArrayBuffer(GATE_CELLS * 8)), marginMs: 0, now: clock.now });
    gate.adopt(shared.cells);
    assert.equal(shared.waitMs('api.test'), 5000, 'the other gate on the same storage sees the closure');
    assert.equal(shared.tryPass('api.test'), undefined);
  });
});

describe('the process-wide gate across worker threads', () => {
  /**
   * Three workers join the main thread's gate (as Artillery's workers do),
   * wait at it after a 429 the main thread got, and race for the way: one
   * probe in the whole process, nobody before the Retry-After has passed.
   */
  it('one probe among all threads, nobody before Retry-After', async () => {
    const { processGate } = await import('../../../src/api/process-gate.ts');
    const gate = processGate();
    const host = `threads-${process.pid}.test`;
    // Each worker waits for 'go', sent only once all have joined and the gate is closed: however slowly the threads
    // start, every one of them meets the closed gate (a gate closed before they start may be open again by then).
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.module).then(({ processGate }) => {
        const gate = processGate();
        parentPort.on('message', async () => {
          const t = await gate.pass(workerData.host);
          parentPort.postMessage({ at: Date.now(), probe: t.probe });
          if (t.probe) setTimeout(() => gate.settle(t, 200), 200);
        });
        parentPort.postMessage({ joined: true });
      });`;
    const module = new URL('../../../src/api/process-gate.ts', import.meta.url).href;
    const workers = Array.from({ length: 3 }, () => new Worker(code, { eval: true, workerData: { module, host } }));
    try {
      const joined = workers.map((w) => new Promise<void>((resolve, reject) => {
        w.on('message', (m: { joined?: boolean }) => m.joined && resolve());
        w.on('error', reject);
      }));
      await Promise.all(joined);
      const results = workers.map((w) => new Promise<{ at: number; probe: boolean }>((resolve) => {
        w.on('message', (m: { at?: number; probe?: boolean }) => m.at !== undefined && resolve({ at: m.at, probe: m.probe === true }));
      }));
      const closedUntil = Date.now() + 1000;
      gate.close(host, 1000);
      for (const w of workers) w.postMessage('go');
      const seen = await Promise.all(results);
      assert.equal(seen.filter((r) => r.probe).length, 1, 'exactly one probe across the threads');
      for (const r of seen) assert.ok(r.at >= closedUntil, `a worker went ${closedUntil - r.at} ms before Retry-After had passed`);
      const probeAt = seen.find((r) => r.probe)!.at;
      for (const r of seen.filter((x) => !x.probe)) assert.ok(r.at >= probeAt, 'the others followed the probe');
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  });
});

describe('hostOf', () => {
  it('is the host with port of a URL, or the text itself', () => {
    assert.equal(hostOf('https://api.luneo.app/api/v1/render/2d'), 'api.luneo.app');
    assert.equal(hostOf('http://127.0.0.1:4010/health'), '127.0.0.1:4010');
    assert.equal(hostOf('not a url'), 'not a url');
    // The same answer as WHATWG URL, the second time too (from the per-origin memo): case, default ports, user info.
    for (const url of ['HTTP://API.Luneo.app:80/x?y=1', 'https://user:pw@api.luneo.app:443/a#b', 'http://[::1]:4010/z', 'https://api.luneo.app:8443']) {
      assert.equal(hostOf(url), new URL(url).host, url);
      assert.equal(hostOf(url), new URL(url).host, `${url}, again`);
    }
    assert.equal(hostOf(''), '');
  });
});

/**
 * The arrival process behind Artillery's phases: the same number of
 * arrivals as the package it replaces, and no spinning between them
 * (counted as the Immediates each creates, not timed).
 */
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { installSteadyArrivals, SteadyArrivals } from '../../../src/user/arrivals.ts';

const fromArtillery = createRequire(createRequire(import.meta.url).resolve('artillery/package.json'));

interface Process {
  on(e: string, f: () => void): unknown;
  start(): unknown;
}

/** Runs a process to its end: arrivals counted, and the Immediates created meanwhile. */
function run(make: () => Process): Promise<{ arrivals: number; immediates: number }> {
  let immediates = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'Immediate') immediates++;
    },
  });
  return new Promise((resolve) => {
    let arrivals = 0;
    const p = make();
    p.on('arrival', () => arrivals++);
    p.on('finished', () => {
      hook.disable();
      resolve({ arrivals, immediates });
    });
    hook.enable();
    p.start();
  });
}

describe('steady arrivals', () => {
  it('as many arrivals as the uniform process it replaces, for rates above and below 40 a second', async () => {
    const original = fromArtillery('arrivals') as { uniform: { process: (i: number, d: number) => Process } };
    const spinning = original.uniform.process;
    for (const [interval, duration] of [[25, 400], [1000 / 3, 1000], [7, 300], [1000 / 1.5, 700]] as const) {
      const before = await run(() => spinning(interval, duration));
      const steady = await run(() => new SteadyArrivals(interval, duration));
      assert.equal(steady.arrivals, before.arrivals, `interval ${interval} ms over ${duration} ms`);
    }
  });

  it('waits without spinning: no Immediate between arrivals, where nanotimer makes hundreds', async () => {
    const original = fromArtillery('arrivals') as { uniform: { process: (i: number, d: number) => Process } };
    const spinning = await run(() => original.uniform.process(25, 500));
    const steady = await run(() => new SteadyArrivals(25, 500));
    assert.ok(spinning.immediates > 50, `nanotimer spun on ${spinning.immediates} Immediates`);
    assert.equal(steady.immediates, 0);
  });

  it('installs behind Artillery\'s phases, once', async () => {
    const original = fromArtillery('arrivals') as { uniform: { process: (i: number, d: number) => Process } };
    const before = original.uniform.process;
    try {
      assert.equal(installSteadyArrivals(), true);
      assert.ok(original.uniform.process(10, 50) instanceof SteadyArrivals);
      assert.equal(installSteadyArrivals(), true);
    } finally {
      original.uniform.process = before;
      delete (globalThis as Record<symbol, unknown>)[Symbol.for('luneo-load-tests.steady-arrivals')];
    }
  });
});

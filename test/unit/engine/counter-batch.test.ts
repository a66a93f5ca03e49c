/**
 * The engine's counter batch: sums leave once per name, and always inside
 * the 10-second period their counts belong to (Artillery stamps a counter
 * when it is emitted).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { CounterBatch, PERIOD_MS } from '../../../engines/artillery-engine-luneo/counter-batch.ts';

function sink(clock: { t: number }) {
  const emitted: { at: number; name: string; value: number }[] = [];
  return { emitted, emit: (_e: string, name: unknown, value: unknown) => emitted.push({ at: clock.t, name: String(name), value: Number(value) }) };
}

const period = (t: number) => Math.floor(t / PERIOD_MS);

describe('engine: counter batch', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  test('counts are held and leave summed, one event per name, on flush', () => {
    const clock = { t: 1_700_000_001_000 };
    const s = sink(clock);
    const b = new CounterBatch(s, 250, () => clock.t);
    b.add('http.requests', 1);
    b.add('http.requests', 1);
    b.add('http.downloaded_bytes', 120);
    b.add('http.requests', 1);
    b.add('http.codes.200', 0);
    assert.equal(s.emitted.length, 0);
    b.flush();
    assert.deepEqual(s.emitted.map((e) => [e.name, e.value]), [['http.requests', 3], ['http.downloaded_bytes', 120], ['http.codes.200', 0]]);
    b.flush();
    assert.equal(s.emitted.length, 3, 'nothing left to flush');
  });

  test('near the end of a period a count flushes what is held and passes straight through, in that period', () => {
    const clock = { t: 1_700_000_001_000 };
    const s = sink(clock);
    const b = new CounterBatch(s, 250, () => clock.t);
    b.add('a', 2);
    clock.t = 1_700_000_009_800; // 200 ms before the period ends
    b.add('b', 1);
    assert.deepEqual(s.emitted.map((e) => [e.name, e.value]), [['a', 2], ['b', 1]]);
    assert.ok(s.emitted.every((e) => period(e.at) === period(1_700_000_001_000)));
  });

  test('a timer flushes held counts before their period ends when no other count comes', () => {
    const clock = { t: 1_700_000_002_500 };
    const s = sink(clock);
    const b = new CounterBatch(s, 250, () => clock.t);
    b.add('a', 1);
    const due = PERIOD_MS - 250 - 2_500;
    mock.timers.tick(due - 1);
    assert.equal(s.emitted.length, 0);
    clock.t += due;
    mock.timers.tick(1);
    assert.deepEqual(s.emitted.map((e) => [e.name, e.value]), [['a', 1]]);
    assert.equal(period(s.emitted[0]?.at ?? 0), period(1_700_000_002_500));
    // the next count starts a new timer
    b.add('a', 5);
    clock.t = 1_700_000_019_000;
    mock.timers.tick(PERIOD_MS);
    assert.deepEqual(s.emitted.map((e) => e.value), [1, 5]);
  });
});

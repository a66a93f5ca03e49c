/**
 * The request accounting both scenarios share, on either engine: an answer,
 * a 429, and a request without an answer (the luneo engine's status 0, or
 * Artillery's onError), each counted where the verdict looks for it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HttpResponse, VUContext, VUEvents } from 'artillery';
import { METRICS } from '../../../src/metric-names.ts';
import { accountResponse, countTransportError } from '../../../src/user/vu-runtime.ts';

const R = METRICS.requests;
const POLICY = { defaultRetryAfterMs: 1000, maxRetryAfterMs: 10_000, maxRetries: 5 };

function recorder(): { events: VUEvents; counters: Map<string, number>; histograms: Map<string, number[]> } {
  const counters = new Map<string, number>();
  const histograms = new Map<string, number[]>();
  const events = {
    emit(kind: string, name: string, value: number) {
      if (kind === 'counter') counters.set(name, (counters.get(name) ?? 0) + value);
      if (kind === 'histogram') histograms.set(name, [...(histograms.get(name) ?? []), value]);
      return true;
    },
  } as unknown as VUEvents;
  return { events, counters, histograms };
}

const context = (): VUContext => ({ vars: {}, scenario: {} }) as unknown as VUContext;
const response = (statusCode: number, extra: Record<string, unknown> = {}): HttpResponse =>
  ({ statusCode, headers: {}, body: '{}', timings: { phases: { total: 42 } }, ...extra }) as unknown as HttpResponse;
// Each case its own host: the gate is the process's, shared with every other test of this file.
const req = (host: string) => ({ url: `http://${host}/api/embed/token` });

describe('accountResponse and countTransportError', () => {
  test('a luneo-engine request without an answer (status 0, a timeout): a failed request and a transport error, timed out, its time kept', () => {
    const { events, counters, histograms } = recorder();
    const r = accountResponse(req('no-answer.test'), response(0, { error: { code: 'ETIMEDOUT' } }), context(), events, POLICY);
    assert.deepEqual(r, { verdict: 'failed', ms: 42, noAnswer: true });
    assert.equal(counters.get(R.sent), 1);
    assert.equal(counters.get(R.failed), 1);
    assert.equal(counters.get(R.transportErrors), 1);
    assert.equal(counters.get(R.timedOut), 1);
    assert.deepEqual(histograms.get(R.allMs), [42], 'the time it took stays in the latency picture');
    assert.equal(histograms.get(R.okMs), undefined, 'not a success');
  });

  test('a reset (status 0, ECONNRESET) is a transport error, not a timeout', () => {
    const { events, counters } = recorder();
    const r = accountResponse(req('reset.test'), response(0, { error: { code: 'ECONNRESET' } }), context(), events, POLICY);
    assert.equal(r.noAnswer, true);
    assert.equal(counters.get(R.transportErrors), 1);
    assert.equal(counters.get(R.timedOut), undefined);
  });

  test('an answer, even a 5xx, is no transport error', () => {
    const { events, counters } = recorder();
    assert.equal(accountResponse(req('ok.test'), response(200), context(), events, POLICY).verdict, 'ok');
    const failed = accountResponse(req('ok.test'), response(503), context(), events, POLICY);
    assert.deepEqual(failed, { verdict: 'failed', ms: 42 });
    assert.equal(counters.get(R.failed), 1);
    assert.equal(counters.get(R.transportErrors), undefined);
  });

  test('a 429 counts towards the rate-limited share only', () => {
    const { events, counters, histograms } = recorder();
    const r = accountResponse(req('limited.test'), response(429, { headers: { 'retry-after': '2' } }), context(), events, POLICY);
    assert.equal(r.verdict, 'rate_limited');
    assert.equal(r.retryAfterMs, 2000);
    assert.equal(counters.get(R.rateLimited), 1);
    assert.equal(counters.get(R.failed), undefined);
    assert.equal(histograms.get(R.allMs), undefined);
  });

  test("Artillery's onError (the stock engine): the same counters, once per request however often onError runs", () => {
    const { events, counters } = recorder();
    const ctx = context();
    ctx.vars.luneoRequestStartedAt = 1;
    assert.equal(countTransportError({ code: 'ETIMEDOUT' }, ctx, events), true);
    assert.equal(countTransportError({ code: 'ETIMEDOUT' }, ctx, events), false);
    assert.equal(counters.get(R.sent), 1);
    assert.equal(counters.get(R.failed), 1);
    assert.equal(counters.get(R.transportErrors), 1);
    assert.equal(counters.get(R.timedOut), 1);
  });
});

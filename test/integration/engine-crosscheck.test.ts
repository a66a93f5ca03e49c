/**
 * The same embed run on each engine against the sandbox: the luneo engine
 * (the scenario's default) and Artillery's stock HTTP engine
 * (LUNEO_ENGINE=http). Each sends exactly the requests it counts (the
 * sandbox's own count), both pass every check, and both time the whole
 * answer: no validation shorter than the delay the sandbox held it (a lower
 * bound, which a slow machine cannot break). Their latencies are printed
 * side by side; speed itself is `npm run bench`'s.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { METRICS } from '../../src/metric-names.ts';
import { counter, loadRun, PREFLIGHT_WALK, tail, withSandbox } from '../support/load-run.ts';

const LOAD_ROUTES = ['embed.token', 'widget.document', 'embed.validate'];
const VALIDATE_DELAY_MS = 40;

// A sandbox for each engine: both at once.
describe('cross-check: the embed scenario on the luneo engine and on the stock HTTP engine', { concurrency: 2 }, () => {
  const seen: Record<string, { requests: number; p50?: number; p95?: number; handshakes: number }> = {};
  for (const engine of ['luneo', 'http'] as const) {
    test(`LUNEO_ENGINE=${engine}: the sandbox counts the requests Artillery counts, every check passes`, async (t) => {
      // The validation answers no sooner than 40 ms after it arrives: both engines must measure at least that.
      await withSandbox({ faults: { latency: { 'embed.validate': { fixedMs: VALIDATE_DELAY_MS } } } }, async (sb) => {
        const r = await loadRun({ scenario: 'embed', sandbox: sb, env: { LUNEO_ENGINE: engine } });
        assert.equal(r.code, 0, tail(r));
        assert.equal(r.results?.luneo.verdict.kind, 'pass');
        const stats = sb.stats();
        const byTheSandbox = LOAD_ROUTES.reduce((n, route) => n + Object.values(stats.requests.byRoute[route] ?? {}).reduce((a, b) => a + b, 0), 0);
        const requests = counter(r, 'http.requests');
        assert.ok(requests > 30, `a real run (${requests} requests)`);
        assert.equal(byTheSandbox, requests + PREFLIGHT_WALK.embedRequests, 'the sandbox saw exactly the requests the engine counted, and the preflight\'s walk');
        assert.equal(counter(r, 'http.responses'), requests, 'every request was answered');
        assert.equal(counter(r, 'http.codes.200'), requests);
        assert.equal(counter(r, METRICS.requests.sent), requests, "the processors' own count agrees");
        assert.equal(counter(r, METRICS.embed.handshakeOk), counter(r, METRICS.embed.pageViews), 'every page view completed its handshake');
        assert.equal(stats.embed.validationsOk, counter(r, METRICS.embed.validateOk) + PREFLIGHT_WALK.validations);
        const names = Object.keys(r.results?.aggregate.summaries ?? {});
        for (const step of ['embed_token', 'widget_document', 'nonce_validation']) {
          assert.ok(names.includes(`plugins.metrics-by-endpoint.response_time.${step}`), `per-step metrics for ${step}`);
        }
        if (engine === 'luneo') {
          // One keep-alive connection per visitor and host: 6 visitors, 2 hosts.
          assert.equal(counter(r, METRICS.engine.connections), 2 * (r.results?.aggregate.counters['vusers.created'] ?? 0));
        }
        // What both engines time is the same thing, the whole answer: no validation faster than the server's delay,
        // and every delayed answer timed (a lower bound cannot fail on a slow machine; an upper one is the bench's).
        const validate = r.results?.aggregate.summaries[METRICS.embed.validateMs];
        assert.equal(validate?.count, counter(r, METRICS.embed.validateOk), 'every successful validation was timed');
        assert.equal(stats.faults.latencyInjected, counter(r, METRICS.embed.validateOk) + PREFLIGHT_WALK.validations, 'the sandbox delayed each of them, and the preflight\'s');
        assert.ok((validate?.min ?? 0) >= VALIDATE_DELAY_MS, `validation min ${validate?.min} ms, the server held each ${VALIDATE_DELAY_MS} ms`);
        const all = r.results?.aggregate.summaries[METRICS.requests.allMs];
        const entry: (typeof seen)[string] = { requests, handshakes: counter(r, METRICS.embed.handshakeOk) };
        if (all?.p50 !== undefined) entry.p50 = all.p50;
        if (all?.p95 !== undefined) entry.p95 = all.p95;
        seen[engine] = entry;
        t.diagnostic(`${engine}: ${requests} requests, ${entry.handshakes} handshakes, luneo_requests_all_ms p50 ${entry.p50} ms, p95 ${entry.p95} ms`);
      });
    });
  }
});

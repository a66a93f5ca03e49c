import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CounterDeltas, HistogramDeltas, histogramQuantile } from '../../../src/observe/counters.ts';
import { commandTotals, parseInfo } from '../../../src/observe/sources/redis.ts';
import { platformReadings } from '../../../src/observe/sources/platform.ts';
import { parsePrometheusText } from '../../../src/export/prometheus-text.ts';

describe('counters into per-period figures', () => {
  it('a rate needs two readings, and a counter that fell (a restart) gives none', () => {
    const d = new CounterDeltas();
    assert.equal(d.rate('cpu', 1_000, 10), undefined);
    assert.equal(d.rate('cpu', 6_000, 12.5), 0.5);
    assert.equal(d.rate('cpu', 11_000, 1), undefined, 'reset');
    assert.equal(d.rate('cpu', 16_000, 3), 0.4);
  });

  it('a ratio of two counters over the same period: mean time per call; none when the calls did not move', () => {
    const d = new CounterDeltas();
    assert.equal(d.ratio('s', 0, 100, 10), undefined);
    assert.equal(d.ratio('s', 5_000, 400, 40), 10);
    assert.equal(d.ratio('s', 10_000, 400, 40), undefined);
  });

  it("quantiles from cumulative buckets as Prometheus's histogram_quantile computes them", () => {
    const b: [number, number][] = [[0.1, 50], [0.5, 90], [1, 100], [Infinity, 100]];
    assert.equal(histogramQuantile(0.5, b), 0.1);
    assert.ok(Math.abs((histogramQuantile(0.95, b) ?? 0) - 0.75) < 1e-9);
    assert.equal(histogramQuantile(0.99, [[0.1, 0], [Infinity, 10]]), 0.1, 'a rank in +Inf reads as the highest finite bound');
    assert.equal(histogramQuantile(0.5, [[0.1, 0], [Infinity, 0]]), undefined, 'no observation');
  });

  it('the histogram of one period is the buckets gained since the last scrape', () => {
    const h = new HistogramDeltas();
    assert.equal(h.period([[0.1, 5], [Infinity, 5]]), undefined);
    assert.deepEqual(h.period([[0.1, 8], [Infinity, 10]]), [[0.1, 3], [Infinity, 5]]);
  });
});

describe('Redis INFO', () => {
  const info = parseInfo(['# Memory', 'used_memory:1048576', '', '# Commandstats', 'cmdstat_get:calls=10,usec=50,usec_per_call=5.00', 'cmdstat_set:calls=5,usec=100,usec_per_call=20.00', 'cmdstat_info:calls=99,usec=9999,usec_per_call=101.00', 'cmdstat_client|setname:calls=1,usec=3'].join('\r\n'));
  it('reads key:value lines of every section', () => {
    assert.equal(info.get('used_memory'), '1048576');
  });
  it("sums commandstats, leaving the source's own INFO and CLIENT out", () => {
    assert.deepEqual(commandTotals(info), { calls: 15, usec: 150 });
  });
});

describe("the platform's /metrics into readings", () => {
  const scrape = (cpu: number, requests: number, errors: number, fast: number, slow: number) =>
    parsePrometheusText(
      [
        `process_cpu_seconds_total ${cpu}`,
        'process_resident_memory_bytes 1000000',
        'nodejs_eventloop_lag_p99_seconds 0.012',
        `http_requests_total{method="GET",route="a",status_code="200"} ${requests - errors}`,
        `http_requests_total{method="GET",route="a",status_code="503"} ${errors}`,
        `http_request_duration_seconds_bucket{route="a",le="0.05"} ${fast}`,
        `http_request_duration_seconds_bucket{route="a",le="0.5"} ${fast + slow}`,
        `http_request_duration_seconds_bucket{route="a",le="+Inf"} ${fast + slow}`,
        'bullmq_queue_jobs_total{queue="render-processing",state="waiting"} 2',
        'bullmq_queue_jobs_total{queue="render-processing",state="prioritized"} 5',
        'bullmq_queue_jobs_total{queue="render-processing",state="active"} 4',
        'bullmq_queue_jobs_total{queue="render-processing",state="completed"} 40',
      ].join('\n'),
    );
  it('turns counters into rates against the previous scrape and reads the worker off the API process', () => {
    const d = new CounterDeltas();
    const h = new HistogramDeltas();
    const first = platformReadings(scrape(1, 100, 0, 100, 0), 0, d, h);
    assert.equal(first.find((r) => r.name === 'cpu'), undefined, 'no rate from one scrape');
    assert.equal(first.find((r) => r.group === 'worker' && r.name === 'queue_depth')?.value, 7, 'waiting + prioritized');
    const second = platformReadings(scrape(3, 1100, 100, 600, 500), 10_000, d, h);
    const get = (g: string, n: string) => second.find((r) => r.group === g && r.name === n)?.value;
    assert.equal(get('api', 'cpu'), 0.2);
    assert.equal(get('api', 'request_rate'), 100);
    assert.equal(get('api', 'error_rate'), 0.1);
    assert.equal(get('api', 'event_loop_lag'), 12);
    assert.ok((get('api', 'latency_p95') ?? 0) > 50, 'half the period was slow: p95 in the slow bucket');
    assert.equal(get('worker', 'cpu'), 0.2, 'the worker runs inside the API process');
    assert.equal(get('worker', 'active_jobs'), 4);
    assert.ok(second.every((r) => r.at === 10_000), 'each reading carries the moment of its scrape');
  });
});

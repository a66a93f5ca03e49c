import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maxOf, parsePrometheusText, parseSampleLine, parseValue, select, sumOf } from '../../../src/export/prometheus-text.ts';

const EXPOSITION = `# HELP bullmq_queue_jobs_total Jobs in the queue by state.
# TYPE bullmq_queue_jobs_total gauge
bullmq_queue_jobs_total{queue="render-processing",state="waiting"} 12
bullmq_queue_jobs_total{queue="render-processing",state="active"} 3
bullmq_queue_jobs_total{queue="thumbnails",state="waiting"} 5
bullmq_queue_jobs_total{queue="thumbnails",state="active"} 0
# TYPE bullmq_queue_oldest_waiting_seconds gauge
bullmq_queue_oldest_waiting_seconds{queue="render-processing"} 41.5
bullmq_queue_oldest_waiting_seconds{queue="thumbnails"} 2
# TYPE luneo_embed_handshake_failures_total counter
luneo_embed_handshake_failures_total{reason="origin_mismatch"} 4
luneo_embed_handshake_failures_total{reason="replayed"} 1
# TYPE luneo_embed_handshakes_total counter
luneo_embed_handshakes_total 1027
`;

describe('parsePrometheusText', () => {
  it('reads names, label sets and values; comments are skipped, TYPE lines remembered', () => {
    const p = parsePrometheusText(EXPOSITION);
    assert.equal(p.samples.length, 9);
    assert.equal(p.invalidLines, 0);
    assert.deepEqual(p.samples[0], { name: 'bullmq_queue_jobs_total', labels: { queue: 'render-processing', state: 'waiting' }, value: 12 });
    assert.equal(p.types.get('luneo_embed_handshakes_total'), 'counter');
    assert.deepEqual(p.samples.at(-1), { name: 'luneo_embed_handshakes_total', labels: {}, value: 1027 });
  });

  it('sums over label sets, filtered by the labels given', () => {
    const p = parsePrometheusText(EXPOSITION);
    assert.equal(sumOf(p, 'bullmq_queue_jobs_total', { state: 'waiting' }), 17);
    assert.equal(sumOf(p, 'bullmq_queue_jobs_total', { state: 'active' }), 3);
    assert.equal(sumOf(p, 'bullmq_queue_jobs_total', { queue: 'thumbnails', state: 'waiting' }), 5);
    assert.equal(sumOf(p, 'bullmq_queue_jobs_total'), 20);
    assert.equal(sumOf(p, 'luneo_embed_handshake_failures_total'), 5);
    assert.equal(maxOf(p, 'bullmq_queue_oldest_waiting_seconds'), 41.5);
    assert.equal(select(p, 'bullmq_queue_jobs_total', { state: 'active' }).length, 2);
  });

  it('absent metric: undefined; declared family without matching series: 0', () => {
    const p = parsePrometheusText('# TYPE luneo_embed_handshake_failures_total counter\nbullmq_queue_jobs_total{state="active"} 2\n');
    assert.equal(sumOf(p, 'nope_total'), undefined);
    assert.equal(maxOf(p, 'nope_total'), undefined);
    assert.equal(sumOf(p, 'luneo_embed_handshake_failures_total'), 0);
    assert.equal(sumOf(p, 'bullmq_queue_jobs_total', { state: 'waiting' }), 0, 'the metric is there, no series in that state');
  });

  it('escaped quotes, backslashes and newlines in label values; commas and braces inside quotes', () => {
    const s = parseSampleLine(String.raw`http_requests_total{path="/a,b{c}",msg="say \"hi\"\nback\\slash"} 7`);
    assert.deepEqual(s, { name: 'http_requests_total', labels: { path: '/a,b{c}', msg: 'say "hi"\nback\\slash' }, value: 7 });
  });

  it('spacing, a trailing comma, an empty label set, a timestamp, CRLF line ends', () => {
    const p = parsePrometheusText('a_total { x = "1" , y="2", } 3 1700000000000\r\nb_total{} 4\r\n\r\n  # indented comment\r\n');
    assert.deepEqual(p.samples, [
      { name: 'a_total', labels: { x: '1', y: '2' }, value: 3, timestampMs: 1700000000000 },
      { name: 'b_total', labels: {}, value: 4 },
    ]);
  });

  it('NaN, +Inf, -Inf and exponent forms', () => {
    assert.ok(Number.isNaN(parseValue('NaN')));
    assert.equal(parseValue('+Inf'), Infinity);
    assert.equal(parseValue('-Inf'), -Infinity);
    assert.equal(parseValue('inf'), Infinity);
    assert.equal(parseValue('1.5e3'), 1500);
    assert.equal(parseValue('-.5'), -0.5);
    assert.equal(parseValue('1,5'), undefined);
    assert.equal(parseValue(''), undefined);
    const p = parsePrometheusText('h_bucket{le="+Inf"} 10\ng{q="a"} NaN\ng{q="b"} 2\nh_sum +Inf\n');
    assert.equal(select(p, 'h_bucket')[0]?.labels.le, '+Inf');
    assert.equal(sumOf(p, 'g'), 2, 'NaN is left out of sums');
    assert.equal(maxOf(p, 'g'), 2, 'and out of maxima');
    assert.equal(sumOf(p, 'h_sum'), Infinity);
    assert.equal(sumOf(parsePrometheusText('only{a="1"} NaN\n'), 'only'), undefined, 'nothing but NaN: no value');
  });

  it('a quoted (UTF-8) metric name inside the braces, as Prometheus 3 writes it', () => {
    assert.deepEqual(parseSampleLine('{"luneo.embed.handshakes", reason="x"} 2'), { name: 'luneo.embed.handshakes', labels: { reason: 'x' }, value: 2 });
    assert.deepEqual(parseSampleLine('{"a.b"} 1'), { name: 'a.b', labels: {}, value: 1 });
  });

  it('malformed lines are counted and skipped, the rest still reads', () => {
    const bad = ['no_value', 'x{a="1"', 'x{a=1} 2', 'x{a="1"} two', '{} 1', 'x 1 2 3', 'x 1 1.5', '<html>', 'x{"a" "b"} 1'];
    for (const line of bad) assert.equal(parseSampleLine(line), undefined, line);
    const p = parsePrometheusText(`${bad.join('\n')}\nok_total 1\n`);
    assert.equal(p.invalidLines, bad.length);
    assert.deepEqual(p.samples, [{ name: 'ok_total', labels: {}, value: 1 }]);
  });
});

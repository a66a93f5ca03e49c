import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { judgeRun } from '../../../src/history/judge-run.ts';
import { historyMarkdown, historyPage, sparkline } from '../../../src/history/page.ts';
import { figuresOf, recordOf } from '../../../src/history/record.ts';
import { steppedHistory } from '../../support/history.ts';
import { appendRecord, historyDir, readHistory } from '../../../src/history/store.ts';
import type { ResultsFile } from '../../../src/results/recorder.ts';
import { EXIT } from '../../../src/verdict/exit-codes.ts';

const FIXTURE = path.join(import.meta.dirname, '..', '..', 'fixtures', 'load-test-results.json');
const fixture = (): ResultsFile => JSON.parse(readFileSync(FIXTURE, 'utf8')) as ResultsFile;
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'luneo-history-'));

describe('a run\'s record', () => {
  it('keeps per step p50/p95/p99, the shares, throughput, concurrency and generator cost, from the results alone', () => {
    const r = fixture();
    const f = figuresOf(r);
    const h = r.aggregate.summaries['luneo_embed_validate_ms']!;
    assert.equal(f['luneo_embed_validate_ms.p95'], h.p95);
    assert.equal(f['luneo_embed_validate_ms.p99'], h.p99);
    assert.equal(f['luneo_embed_token_ms.p50'], r.aggregate.summaries['luneo_embed_token_ms']!.p50);
    const c = r.aggregate.counters;
    assert.equal(f.handshake_success, c['luneo_embed_handshake_ok']! / (c['luneo_embed_handshake_ok']! + (c['luneo_embed_handshake_failed'] ?? 0)));
    assert.equal(f.peak_users, r.luneo.peakUsersSampled);
    assert.ok((f.throughput_rps ?? 0) > 0);
    const rec = recordOf(r, { commit: 'abc', at: new Date('2026-12-01T02:00:00Z') });
    assert.equal(rec.valid, true);
    assert.equal(rec.at, '2026-12-01T02:00:00.000Z');
    assert.equal(rec.commit, 'abc');
    const invalid = recordOf({ ...r, luneo: { ...r.luneo, verdict: { ...r.luneo.verdict, kind: 'invalid' } } });
    assert.equal(invalid.valid, false, 'an INVALID run is recorded as such');
  });
});

describe('the history directory', () => {
  it('one file per run, read back oldest first; foreign files are named, not dropped silently; off switches it off', () => {
    const dir = tmp();
    const r = fixture();
    appendRecord(dir, recordOf(r, { at: new Date('2026-12-02T02:00:00Z') }));
    appendRecord(dir, recordOf(r, { at: new Date('2026-12-01T02:00:00Z') }));
    writeFileSync(path.join(dir, 'notes.json'), '{"hello": 1}');
    const h = readHistory(dir);
    assert.deepEqual(h.records.map((x) => x.at), ['2026-12-01T02:00:00.000Z', '2026-12-02T02:00:00.000Z']);
    assert.equal(h.skipped.length, 1);
    assert.match(h.skipped[0]!, /^notes\.json: not a history record/);
    assert.deepEqual(readHistory(path.join(dir, 'none')).records, []);
    assert.equal(historyDir('/r', {}), path.resolve('/r/history'));
    assert.equal(historyDir('/r', { LUNEO_HISTORY_DIR: '/h' }), path.resolve('/h'));
    assert.equal(historyDir('/r', { LUNEO_HISTORY_DIR: 'off' }), undefined);
  });
});

describe('judgeRun: the end of a run with a history', () => {
  function seeded(dir: string, p95: (i: number) => number, n: number): void {
    const r = fixture();
    for (let i = 0; i < n; i++) {
      const rec = recordOf(r, { at: new Date(Date.UTC(2026, 10, 1 + i, 2)) });
      rec.figures['luneo_embed_validate_ms.p95'] = p95(i);
      appendRecord(dir, rec);
    }
  }
  const tonight = (p95: number): ResultsFile => {
    const r = fixture();
    r.aggregate.summaries['luneo_embed_validate_ms']!.p95 = p95;
    return r;
  };

  it('a pass that regressed against its history is REGRESSED, exit 5, named; the run is appended', () => {
    const dir = tmp();
    seeded(dir, (i) => (i < 12 ? 40 + (i % 3) : 60), 13);
    const out = judgeRun(tonight(61), dir, { LUNEO_HISTORY_DIR: dir, LUNEO_COMMIT: 'f'.repeat(40) }, new Date('2026-12-01T02:00:00Z'));
    assert.equal(out.luneo.verdict.kind, 'regressed');
    assert.equal(out.luneo.verdict.exitCode, EXIT.regressed);
    assert.match(out.luneo.verdict.reasons.at(-1) ?? '', /^regression against the run history: nonce validation p95 \+/);
    assert.equal(out.luneo.history?.regressions.length, 1);
    assert.equal(out.luneo.history?.judged, true);
    const h = readHistory(dir);
    assert.equal(h.records.length, 14);
    assert.equal(h.records.at(-1)?.verdict, 'regressed');
    assert.equal(h.records.at(-1)?.commit, 'f'.repeat(40));
  });

  it('a steady run passes; an INVALID run is recorded, never judged; too little history is said, not passed silently', () => {
    const dir = tmp();
    seeded(dir, (i) => 40 + (i % 3), 12);
    assert.equal(judgeRun(tonight(41), dir, { LUNEO_HISTORY_DIR: dir }).luneo.verdict.kind, 'pass');
    const bad = tonight(400);
    // An overloaded generator: the run's validity says so, and its verdict is INVALID.
    bad.luneo.generator = { ...bad.luneo.generator, overloaded: true, problems: ['a worker was saturated for 18 of 20 s'] };
    bad.luneo.verdict = { ...bad.luneo.verdict, kind: 'invalid', passed: false, causes: ['generator_overloaded'], exitCode: EXIT.invalid };
    const judged = judgeRun(bad, dir, { LUNEO_HISTORY_DIR: dir });
    assert.equal(judged.luneo.verdict.kind, 'invalid');
    assert.equal(judged.luneo.history?.judged, false);
    assert.equal(readHistory(dir).records.at(-1)?.valid, false);
    const fresh = tmp();
    const first = judgeRun(tonight(41), fresh, { LUNEO_HISTORY_DIR: fresh });
    assert.equal(first.luneo.history?.judged, false);
    assert.equal(first.luneo.history?.reference, 0);
    assert.equal(judgeRun(tonight(41), fresh, { LUNEO_HISTORY_DIR: 'off' }).luneo.history, undefined);
  });
});

describe('the history page and the nightly summary', () => {
  const records = steppedHistory({ environment: 'local', profile: 'local-20', before: 40, after: 55 });

  it('the page marks the change point and the levels, offline (a CSP that forbids fetches)', () => {
    const html = historyPage(records, 'results/history');
    assert.match(html, /Content-Security-Policy" content="default-src &#39;none&#39;/);
    assert.match(html, /<h2>embed · local · local-20<\/h2>/);
    const data = JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as { charts: { id: string; xAxis: string; series: { label: string; values: (number | null)[] }[] }[] };
    const chart = data.charts.find((c) => c.id.endsWith('luneo_embed_validate_ms.p95'))!;
    assert.equal(chart.xAxis, 'runs');
    const marks = chart.series.find((s) => s.label === 'change point')!.values;
    assert.equal(marks.findIndex((v) => v !== null), 15, 'the first run of the new level (the INVALID run is left out)');
    assert.match(html, /55\.\d ms|56\.\d ms|\+3\d\.\d %/);
  });

  it('the summary has a line per gated series with a sparkline of the last 30 runs', () => {
    const md = historyMarkdown(records);
    assert.match(md, /#### Run history: embed · local · local-20 \(23 valid runs of 24\)/);
    assert.match(md, /\| nonce validation p95 \| `[▁▂▃▄▅▆▇█]{23}` \|/);
    assert.equal(sparkline([1, 2, 3, 4, 5, 6, 7, 8]), '▁▂▃▄▅▆▇█');
    assert.equal(sparkline(Array.from({ length: 40 }, (_, i) => i)).length, 30);
  });
});

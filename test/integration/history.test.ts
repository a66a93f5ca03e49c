/**
 * The regression gate end to end, on real runs against the sandbox: each
 * run appends itself to its history and is judged against it in the same
 * verdict. Ten runs of a healthy sandbox (one real, nine copies of its
 * figures with a few per cent of spread: real runs of this size would take
 * minutes), then the validation route made 80 ms slower: the first slow run
 * is one run, not yet a step (PASS); the second is a step, REGRESSED, exit 5,
 * naming the series, the size with its interval and the run where it began.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { HistoryRecord } from '../../src/history/record.ts';
import { appendRecord } from '../../src/history/store.ts';
import { EXIT } from '../../src/verdict/exit-codes.ts';
import { freshResultsDir, loadRun, tail, withSandbox } from '../support/load-run.ts';

const SLOWER_MS = 80;

describe('the run history gate against the sandbox', () => {
  test('a step in nonce validation fails the second slow run, exit 5, named; the first slow run and the healthy ones pass', async () => {
    const history = path.join(freshResultsDir(), 'history');
    const env = { LUNEO_HISTORY_DIR: history, LUNEO_COMMIT: 'a'.repeat(40) };
    await withSandbox({}, async (sb) => {
      const first = await loadRun({ scenario: 'embed', sandbox: sb, env });
      assert.equal(first.code, 0, tail(first));
      assert.equal(first.results?.luneo.history?.judged, false);
      assert.match(first.output, /history: 0 earlier valid runs in .*; the gate judges from 10 runs on/);
      const files = readdirSync(history);
      assert.equal(files.length, 1, 'the run recorded itself');
      const healthy = JSON.parse(readFileSync(path.join(history, files[0]!), 'utf8')) as HistoryRecord;
      assert.equal(healthy.valid, true);
      assert.ok((healthy.figures['luneo_embed_validate_ms.p95'] ?? 0) > 0, 'with the validation p95 the run measured');
      // Nine more nights at the same level: the real run's figures, spread by ±4 % (deterministic).
      for (let i = 1; i <= 9; i++) {
        const spread = 1 + 0.04 * Math.sin(i * 2.4);
        const figures = Object.fromEntries(Object.entries(healthy.figures).map(([k, v]) => [k, k.endsWith('_ms.p95') || k.endsWith('_ms.p50') || k.endsWith('_ms.p99') ? v * spread : v]));
        appendRecord(history, { ...healthy, id: `${healthy.id}-copy-${i}`, at: new Date(Date.parse(healthy.at) - i * 86_400_000).toISOString(), figures });
      }

      sb.setFaults({ latency: { 'embed.validate': { fixedMs: SLOWER_MS } } });
      const once = await loadRun({ scenario: 'embed', sandbox: sb, env });
      assert.equal(once.code, 0, `one slow run is not yet a step\n${tail(once)}`);
      assert.equal(once.results?.luneo.history?.judged, true);
      assert.equal(once.results?.luneo.history?.reference, 10);
      assert.deepEqual(once.results?.luneo.history?.regressions, []);

      const twice = await loadRun({ scenario: 'embed', sandbox: sb, env });
      assert.equal(twice.code, EXIT.regressed, tail(twice));
      const l = twice.results?.luneo;
      assert.equal(l?.verdict.kind, 'regressed');
      assert.match(twice.output, /Verdict: REGRESSED/);
      const regressed = l?.history?.regressions.map((r) => r.key) ?? [];
      assert.ok(regressed.includes('luneo_embed_validate_ms.p95'), regressed.join(', '));
      // Other steps of a 7-s run on a busy machine may move too (their noise is the machine's): the validation's step is the one planted.
      const validation = l?.history?.regressions.find((r) => r.key === 'luneo_embed_validate_ms.p95');
      // Every validation of the slow runs was held 80 ms by the sandbox: their level is at least that, whatever the machine.
      assert.ok((validation?.current ?? 0) >= SLOWER_MS && (validation?.change ?? 0) > 0, `validation p95 ${validation?.previous} → ${validation?.current} ms`);
      assert.equal(validation?.runsSince, 2);
      assert.equal(validation?.began.id, once.results?.luneo.history?.recordedAs.replace(/-embed-local\.json$/, ''));
      assert.match(twice.output, /regression against the run history: nonce validation p95 \+\d+(\.\d)? % \(95 % interval \+[\d.]+ % … \+[\d.]+ %\): [\d.]+ ms → [\d.]+ ms, began 2 runs ago at the run of .* \(commit aaaaaaaaaaaa\)/);
      assert.equal(readdirSync(history).length, 12);
      for (const ext of ['.md', '.junit.xml']) assert.match(readFileSync(twice.resultsPath.replace(/\.json$/, ext), 'utf8'), /REGRESSED|regressed/, `${ext} says so`);
    });
  });
});

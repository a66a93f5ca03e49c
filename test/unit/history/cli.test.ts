/**
 * `npm run history`: seeding from past results files, the page and the
 * nightly summary, and one clear line with exit 2 for bad input.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { HistoryRecord } from '../../../src/history/record.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures');

function history(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['scripts/history.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('npm run history', () => {
  test('--add seeds the history from past results files, each one run at the time it ran; then the page and the summary', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'luneo-history-cli-'));
    const add = history(['--dir', dir, '--add', path.join(FIXTURES, 'load-test-results.json'), path.join(FIXTURES, 'synthetic-render-invalid.json'), '--commit', 'abc1234', '--env', 'ci', '--profile', 'ci-1k']);
    assert.equal(add.code, 0, add.err);
    const files = readdirSync(dir);
    assert.equal(files.length, 2);
    const recs = files.map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as HistoryRecord);
    assert.deepEqual(recs.map((r) => [r.scenario, r.environment, r.profile, r.commit, r.valid]).sort(), [['embed', 'ci', 'ci-1k', 'abc1234', true], ['render', 'ci', 'ci-1k', 'abc1234', false]]);
    const fixture = JSON.parse(readFileSync(path.join(FIXTURES, 'load-test-results.json'), 'utf8')) as { aggregate: { lastMetricAt: number } };
    assert.equal(recs.find((r) => r.scenario === 'embed')?.at, new Date(fixture.aggregate.lastMetricAt).toISOString(), 'at the time it ran');
    assert.match(add.out, /render, ci, ci-1k, invalid: recorded, never a reference/);

    const out = path.join(dir, '..', `${path.basename(dir)}.html`);
    const page = history(['--dir', dir, '--out', out]);
    assert.equal(page.code, 0, page.err);
    assert.ok(existsSync(out));
    assert.match(readFileSync(out, 'utf8'), /embed · ci · ci-1k/);
    const md = history(['--markdown'], { LUNEO_HISTORY_DIR: dir });
    assert.equal(md.code, 0, md.err);
    assert.match(md.out, /#### Run history: embed · ci · ci-1k \(1 valid run of 1\)/);
    assert.match(md.out, /The gate judges from 10 valid runs on; 1 so far/);
  });

  test('bad input: one line and exit 2, nothing written', () => {
    for (const [args, pattern] of [
      [['--nope'], /^history: Unknown option '--nope'/],
      [['--add'], /^history: --add needs results files/],
      [['--add', '/nonexistent/results.json'], /^history: \/nonexistent\/results\.json: no such file$/],
      [['results.json'], /^history: unexpected results\.json \(did you mean --add\?\)/],
    ] as const) {
      const r = history([...args, '--dir', mkdtempSync(path.join(os.tmpdir(), 'luneo-history-bad-'))]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err.split('\n')[0] ?? '', pattern);
      assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
    }
    const off = history(['--markdown'], { LUNEO_HISTORY_DIR: 'off' });
    assert.equal(off.code, 2);
    assert.match(off.err, /LUNEO_HISTORY_DIR=off/);
  });
});

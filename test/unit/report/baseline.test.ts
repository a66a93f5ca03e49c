/**
 * Tonight against last night: the comparison's figures, the regression
 * limit that fails the verdict, both reports showing the deltas, the JUnit
 * file (parsed) listing every check, and `npm run report -- … --baseline …`
 * end to end with its exit codes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { METRICS } from '../../../src/metric-names.ts';
import { change, compare, parseRegressionLimit, pointChange, withRegressionVerdict } from '../../../src/report/baseline.ts';
import { renderReports } from '../../../src/report/index.ts';
import type { ResultsFile } from '../../../src/results/recorder.ts';
import { EXIT } from '../../../src/verdict/exit-codes.ts';
import { parseJunit } from '../../support/junit.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'load-test-results.json');
const TOKEN = METRICS.embed.tokenMs;

function fixture(): ResultsFile {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as ResultsFile;
}

/** Last night, with the token step 50 % slower at p95 and a tenth fewer users reached. */
function slowerTonight(): { tonight: ResultsFile; base: ResultsFile } {
  const base = fixture();
  const tonight = fixture();
  const s = tonight.aggregate.summaries[TOKEN];
  assert.ok(s);
  s.p95 = s.p95 * 1.5;
  const row = tonight.luneo.checks.find((c) => c.expression.startsWith(`${TOKEN}.p95`));
  assert.ok(row && row.measured !== undefined);
  row.measured = s.p95;
  tonight.luneo.peakUsers = base.luneo.peakUsers * 0.9;
  return { tonight, base };
}

describe('comparison with a baseline', () => {
  it('per check and per step: the baseline value and the change', () => {
    const { tonight, base } = slowerTonight();
    const c = compare(tonight, base, 'last-night.json');
    assert.equal(c.checks.length, tonight.luneo.checks.length, 'every check');
    const token = c.checks.find((x) => x.expression.startsWith(`${TOKEN}.p95`));
    assert.equal(token?.base, base.aggregate.summaries[TOKEN]?.p95);
    assert.equal(token?.change, '+50.0 %');
    const step = c.steps.find((x) => x.metric === TOKEN);
    assert.equal(step?.p95Change, '+50.0 %');
    assert.equal(step?.base.p50, base.aggregate.summaries[TOKEN]?.p50);
    assert.equal(step?.now.p99, tonight.aggregate.summaries[TOKEN]?.p99);
    assert.equal(step?.now.errorRate, 0);
    assert.ok((step?.now.throughput ?? 0) > 0, 'throughput per step');
    assert.deepEqual(c.steps.map((x) => x.metric), [METRICS.embed.tokenMs, METRICS.embed.widgetMs, METRICS.embed.validateMs, METRICS.embed.handshakeMs, METRICS.requests.allMs]);
    assert.equal(c.run.base.peakUsers, base.luneo.peakUsers);
    assert.equal(change(c.run.now.peakUsers, c.run.base.peakUsers), '−10.0 %');
    assert.equal(c.failed, false, 'no limit, no failure');
  });

  it('LUNEO_MAX_REGRESSION=20% fails the verdict of a run whose p95 rose 50 %; 60% does not', () => {
    const { tonight, base } = slowerTonight();
    assert.equal(parseRegressionLimit('20%'), 0.2);
    assert.equal(parseRegressionLimit(' 12.5 % '), 0.125);
    assert.equal(parseRegressionLimit(undefined), undefined);
    for (const bad of ['twenty', '-5%', '0', '20%%']) assert.throws(() => parseRegressionLimit(bad), /LUNEO_MAX_REGRESSION must be a percentage above 0/, bad);
    const c = compare(tonight, base, 'b.json', 0.2);
    assert.equal(c.failed, true);
    assert.deepEqual(c.steps.filter((s) => s.regressed).map((s) => s.metric), [TOKEN]);
    const judged = withRegressionVerdict(tonight, c);
    assert.equal(judged.luneo.verdict.passed, false);
    assert.equal(judged.luneo.verdict.exitCode, EXIT.slo_failed);
    assert.match(judged.luneo.verdict.reasons.at(-1) ?? '', /^regression: luneo_embed_token_ms p95 regressed \+50\.0 % against the baseline/);
    assert.equal(tonight.luneo.verdict.passed, true, 'the results themselves are not changed');
    assert.equal(compare(tonight, base, 'b.json', 0.6).failed, false);
  });

  it('shares change in percentage points', () => {
    assert.equal(pointChange(0.015, 0.01), '+0.50 pp');
    assert.equal(change(5, 0), undefined, 'no relative change from zero');
  });

  it('both reports show the deltas; the JUnit file parses and lists every check and the regression', () => {
    const { tonight, base } = slowerTonight();
    const c = compare(tonight, base, 'last-night.json', 0.2);
    const r = renderReports(withRegressionVerdict(tonight, c), '/tmp/x/load-test-results.json', { comparison: c });
    assert.match(r.html, /<section id="baseline"><h2>Against the baseline <span class="badge fail">regressed<\/span>/);
    assert.match(r.html, /Baseline last-night\.json/);
    assert.match(r.html, /<td class="num worse">[^<]+ → [^<]+ \(\+50\.0 %\)<\/td>/);
    assert.match(r.markdown, /#### Against the baseline: ❌ regressed/);
    assert.match(r.markdown, /\| ❌ Embed token \| [^|]+ \| [^|]+\(\+50\.0 %\) \|/);
    assert.match(r.markdown, /\| Concurrency reached \(mean over the busiest 10 s, all workers\) \| [^|]+\(−10\.0 %\) \|/);
    assert.match(r.markdown, /### ❌ Load test embed: \*\*FAIL\*\*/);

    const junit = parseJunit(r.junit);
    const checks = junit.suites[0];
    assert.ok(checks);
    assert.deepEqual(checks.cases.map((x) => x.name), tonight.luneo.checks.map((x) => x.expression), 'one test case per check, in order');
    for (const k of checks.cases) {
      assert.match(k.properties.limit ?? '', /^[<>]/, `${k.name}: limit`);
      assert.notEqual(k.properties.measured, undefined, `${k.name}: measured`);
    }
    const regression = junit.suites.find((s) => /against the baseline/.test(s.name));
    assert.equal(regression?.failures, 1);
    assert.match(regression?.cases.find((x) => x.failure)?.name ?? '', /^luneo_embed_token_ms\.p95 regression$/);
    assert.equal(junit.failures, junit.suites.reduce((n, s) => n + s.failures, 0));
  });

  it('a failed check is a failed test case with its limit and measured value', () => {
    const r = fixture();
    const row = r.luneo.checks[0];
    assert.ok(row);
    row.passed = false;
    r.luneo.verdict = { kind: 'slo_failed', passed: false, reasons: [`threshold failed: ${row.expression}`], exitCode: 1 };
    const junit = parseJunit(renderReports(r, '/tmp/x/a.json').junit);
    assert.equal(junit.suites.length, 1, 'the failed check explains the verdict');
    const failed = junit.suites[0]?.cases.filter((x) => x.failure) ?? [];
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.failure?.type, 'threshold');
    assert.match(failed[0]?.failure?.message ?? '', /^measured .+, limit < /);
  });

  it('an aborted run adds a failing verdict case', () => {
    const r = fixture();
    r.luneo.verdict = { kind: 'aborted', passed: false, reasons: ['aborted by the abort switch at …: error rate 50 %'], exitCode: EXIT.aborted };
    const rendered = renderReports(r, '/tmp/x/a.json');
    const junit = parseJunit(rendered.junit);
    assert.equal(junit.suites[1]?.cases[0]?.failure?.type, 'aborted');
    assert.match(rendered.markdown, /### 🛑 Load test embed: \*\*ABORTED\*\*/);
    assert.match(rendered.html, /<p class="verdict" id="verdict">ABORTED<\/p>/);
  });
});

describe('npm run report -- … --baseline …', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'luneo-baseline-13-'));
  const { tonight, base } = slowerTonight();
  const tonightFile = path.join(dir, 'tonight.json');
  const baseFile = path.join(dir, 'last-night.json');
  writeFileSync(tonightFile, JSON.stringify(tonight));
  writeFileSync(baseFile, JSON.stringify(base));
  const report = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'report.ts'), ...args], { encoding: 'utf8', env: { ...process.env, LUNEO_MAX_REGRESSION: '', ...env }, timeout: 60_000 });

  it('writes the comparison into the HTML, the Markdown and the JUnit file; exit 0 without a limit', () => {
    const r = report([tonightFile, '--baseline', baseFile]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /against .*last-night\.json: Embed token p95 \+50\.0 %/);
    assert.match(readFileSync(path.join(dir, 'tonight.md'), 'utf8'), /#### Against the baseline/);
    assert.match(readFileSync(path.join(dir, 'tonight.html'), 'utf8'), /id="baseline"/);
    assert.equal(parseJunit(readFileSync(path.join(dir, 'tonight.junit.xml'), 'utf8')).suites[0]?.cases.length, tonight.luneo.checks.length);
  });

  it('exit 1 when the p95 regressed beyond LUNEO_MAX_REGRESSION', () => {
    const r = report([tonightFile, '--baseline', baseFile], { LUNEO_MAX_REGRESSION: '20%' });
    assert.equal(r.status, EXIT.slo_failed, r.stderr);
    assert.match(r.stdout, /- luneo_embed_token_ms p95 regressed \+50\.0 %/);
  });

  it('exit 2, one line, on bad input', () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [[tonightFile, '--baseline'], {}, /--baseline needs the previous results file/],
      [[tonightFile, '--baseline', path.join(dir, 'nope.json')], {}, /baseline .*nope\.json: no such file/],
      [[tonightFile, tonightFile, '--baseline', baseFile], {}, /--baseline compares one results file with it, got 2/],
      [[tonightFile, '--baseline', baseFile], { LUNEO_MAX_REGRESSION: 'lots' }, /LUNEO_MAX_REGRESSION must be a percentage above 0, e\.g\. 20%, got "lots"/],
    ];
    for (const [args, env, message] of cases) {
      const r = report(args, env);
      assert.equal(r.status, EXIT.config, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    }
  });
});

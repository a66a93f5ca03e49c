/**
 * The operator's tools against the real sandbox: load shapes given on the
 * command line (`npm run load -- --stage …`, `--vus … --duration …`) reach
 * their concurrency, and the abort switch stops a run whose target starts
 * failing half its requests, with the verdict ABORTED and its exit code,
 * the results, reports and JUnit file still written.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { nodeCommand, ROOT } from '../../scripts/artillery-run.ts';
import { RESULT_FILES, type ResultsFile } from '../../src/results/recorder.ts';
import { EXIT } from '../../src/verdict/exit-codes.ts';
import { parseJunit } from '../support/junit.ts';
import { environmentsWith, freshResultsDir, PRIORITY, QUICK_PAGES, withSandbox, workersEnv } from '../support/load-run.ts';
import type { Sandbox } from '../../sandbox/index.ts';

interface LoadScriptRun {
  code: number | null;
  output: string;
  results?: ResultsFile;
  resultsPath: string;
}

/** `npm run load -- …` as an operator types it, bounded in time, against the sandbox. */
function npmRunLoad(args: string[], sb: Sandbox, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<LoadScriptRun> {
  const resultsDir = freshResultsDir();
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    ARTILLERY_DISABLE_TELEMETRY: '1',
    BASE_URL: sb.apiUrl,
    WIDGET_URL: sb.widgetUrl,
    LUNEO_DIALECT: 'seed',
    LUNEO_RESULTS_DIR: resultsDir,
    ...workersEnv(),
    ...env,
  };
  childEnv.PATH = `${path.join(ROOT, 'node_modules', '.bin')}${path.delimiter}${childEnv.PATH ?? ''}`;
  return new Promise<LoadScriptRun>((resolve, reject) => {
    const run = nodeCommand([path.join(ROOT, 'scripts', 'load.ts'), ...args], PRIORITY.shared);
    const child = spawn(run.command, run.args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const timer = setTimeout(() => {
      // The whole group: load.ts and the Artillery it started.
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const resultsPath = path.join(resultsDir, RESULT_FILES.embed as string);
      const done: LoadScriptRun = { code, output, resultsPath };
      if (existsSync(resultsPath)) done.results = JSON.parse(readFileSync(resultsPath, 'utf8')) as ResultsFile;
      resolve(done);
    });
  });
}

function tail(r: LoadScriptRun, lines = 40): string {
  return r.output.split('\n').slice(-lines).join('\n');
}

/**
 * Holds long enough for one whole aligned 10-second period at full
 * concurrency: the reached-concurrency figure is the mean over a period,
 * summed over all workers.
 */
const HOLD = '22s';

describe('operator tools against the sandbox', () => {
  test('--stage shapes run through the load model and reach their concurrency, over all workers', async (t) => {
    await withSandbox({}, async (sb) => {
      const r = await npmRunLoad(['--scenario', 'embed', '--env', 'local', '--stage', '2s:8', '--stage', `${HOLD}:8`, '--stage', '1s:0'], sb);
      assert.equal(r.code, 0, tail(r));
      assert.match(r.output, /stages from the command line: 2s:8 22s:8 1s:0/);
      const l = r.results?.luneo;
      assert.ok(l, 'results file written');
      assert.equal(l.run?.profile, 'cli-stages');
      assert.equal(l.run?.peakUsers, 8);
      assert.equal(r.results?.aggregate.counters['vusers.created'], 8, 'every planned user arrived (all workers)');
      assert.ok(l.peakUsers >= 7 && l.peakUsers <= 9, `mean concurrency over the busiest 10 s, all workers: ${l.peakUsers}`);
      t.diagnostic(`--stage 2s:8 --stage ${HOLD}:8 --stage 1s:0: ${l.peakUsers} users on average over the busiest 10 s, exit ${r.code}`);
      assert.equal(l.verdict.kind, 'pass');
      assert.match(r.output, /status \d+:\d\d \/ 0:25 · users \d+ \(planned \d+\) · [\d.]+ req\/s · errors [\d.]+ % · p95 ms token \d+/, 'the 10-s status line');
      const junit = parseJunit(readFileSync(r.resultsPath.replace(/\.json$/, '.junit.xml'), 'utf8'));
      assert.equal(junit.suites.length, 1, 'a passing run: the checks suite only');
      const cases = junit.suites[0]?.cases ?? [];
      assert.equal(cases.length, l.checks.length, 'one JUnit test case per check');
      assert.deepEqual(cases.map((c) => c.name).sort(), l.checks.map((c) => c.expression).sort());
      for (const c of cases) assert.ok(c.properties.limit && c.properties.measured && c.properties.measured !== '–', `${c.name}: limit and measured value`);
      assert.equal(junit.failures, 0);
    });
  });

  test('a malformed stage is one line and exit 2, and nothing reaches the target', async () => {
    await withSandbox({}, async (sb) => {
      for (const bad of [['--stage', '2m1000'], ['--stage', '90:10'], ['--vus', '10']]) {
        const r = await npmRunLoad(['--scenario', 'embed', '--env', 'local', ...bad], sb);
        assert.equal(r.code, EXIT.config, `${bad.join(' ')}: ${tail(r)}`);
        assert.equal(r.output.trim().split('\n').length, 1, `one line: ${r.output}`);
        assert.match(r.output, /^load: (--stage "2m1000" is not DURATION:USERS|--stage "90:10": duration "90" is not a duration|--vus and --duration go together)/);
        assert.equal(r.results, undefined, 'no results: nothing ran');
      }
      assert.equal(sb.stats().requests.total, 0, 'the sandbox saw no request');
    });
  });

  test('--vus N --duration D ramps up in a short first stage and holds N', async (t) => {
    await withSandbox({}, async (sb) => {
      const r = await npmRunLoad(['--scenario', 'embed', '--env', 'local', '--vus', '10', '--duration', '24s'], sb);
      assert.equal(r.code, 0, tail(r));
      assert.match(r.output, /--vus 10 --duration 24s: ramp-up 0→10 over 2 s, then 10 held for 22 s/);
      const l = r.results?.luneo;
      assert.ok(l, 'results file written');
      assert.equal(l.run?.stages, '2s:10 22s:10');
      assert.equal(r.results?.aggregate.counters['vusers.created'], 10);
      assert.ok(l.peakUsers >= 9 && l.peakUsers <= 11, `mean concurrency over the busiest 10 s, all workers: ${l.peakUsers}`);
      t.diagnostic(`--vus 10 --duration 24s: ${l.peakUsers} users on average over the busiest 10 s, exit ${r.code}`);
    });
  });

  test('a target that starts failing half its requests is aborted within about 30 s: ABORTED, exit 4, results and reports written', async (t) => {
    await withSandbox({}, async (sb) => {
      const env = { LUNEO_ENVIRONMENTS_DIR: environmentsWith(QUICK_PAGES, 'abort:\n  enabled: true') };
      let stormAt = 0;
      // The storm starts once the load is under way: half of every embed route's answers become 5xx.
      const poll = setInterval(() => {
        if (stormAt === 0 && sb.stats().requests.total > 200) {
          stormAt = Date.now();
          sb.setFaults({ errors: { 'embed.token': 0.5, 'widget.document': 0.5, 'embed.validate': 0.5 } });
        }
      }, 200);
      let r: LoadScriptRun;
      try {
        r = await npmRunLoad(['--scenario', 'embed', '--env', 'local', '--stage', '2s:10', '--stage', '88s:10'], sb, env);
      } finally {
        clearInterval(poll);
      }
      assert.equal(r.code, EXIT.aborted, tail(r));
      assert.ok(stormAt > 0, 'the storm started');
      assert.match(r.output, /abort switch on/);
      assert.match(r.output, /ABORTING the run: error rate/);
      const l = r.results?.luneo;
      assert.ok(l, 'results file written after the abort');
      assert.equal(l.verdict.kind, 'aborted');
      assert.equal(l.verdict.exitCode, EXIT.aborted);
      const abort = l.verdict.abort;
      assert.ok(abort, 'the verdict records the abort');
      assert.match(abort.reason, /error rate .* above the abort limit 20\.0 %, 2 periods of 10 s in a row/);
      // Two whole 10-s periods after the one the storm began in, and the time for the last one to be reported.
      t.diagnostic(`aborted ${((abort.at - stormAt) / 1000).toFixed(1)} s after the storm began, ${abort.elapsedSec?.toFixed(0)} s into the load, exit ${r.code}: ${abort.reason}`);
      // In Artillery's periods, not by a stopwatch: the period the storm began in (partly stormy), the two stormy
      // periods in a row that decide, and the one the abort fell in; a switch that waited for more would show more.
      const periodOf = (ms: number) => Math.floor(ms / 10_000) * 10_000;
      const stormPeriods = (r.results?.intermediate ?? []).filter((p) => Number(p.period) >= periodOf(stormAt));
      assert.ok(stormPeriods.length <= 4, `periods reported from the storm's on: ${stormPeriods.length}`);
      assert.ok((abort.elapsedSec ?? 90) < 80, 'stopped well before the planned 90 s');
      assert.match(l.verdict.reasons[0] ?? '', /^aborted by the abort switch at .* UTC/);
      assert.ok(l.checks.length >= 11, 'the checks were evaluated over the run as far as it went');
      for (const c of l.checks) assert.notEqual(c.measured, undefined, `${c.expression}: measured over the run as far as it went`);
      assert.ok(l.checks.some((c) => c.expression.startsWith('luneo_requests_failed / (') && !c.passed), 'the error-rate check fails, as the storm had it');
      assert.ok((r.results?.aggregate.counters['luneo_requests_failed'] ?? 0) > 0, 'the aggregate covers the storm');
      assert.equal(l.generator.overloaded, false, `the users an abort never let arrive are not counted as missing: ${l.generator.problems.join('; ')}`);
      for (const ext of ['.html', '.md', '.junit.xml']) assert.ok(existsSync(r.resultsPath.replace(/\.json$/, ext)), `${ext} written`);
      assert.match(readFileSync(r.resultsPath.replace(/\.json$/, '.md'), 'utf8'), /ABORTED/);
    });
  });
});

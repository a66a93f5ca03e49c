/**
 * The verdict of a Fargate or Lambda run (`npm run load|fargate|lambda`):
 * Artillery's orchestrator judges only ensure's thresholds, so its exit
 * code says nothing of validity. The launcher reads the combined `-o`
 * aggregate it asked for and ends with the verdict's own exit code: an
 * INVALID aggregate exits 3 even where ensure exited 0. No AWS here: the
 * aggregate is a fixture, the plan is built as for a real launch.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { finishDistributed, planLoad } from '../../scripts/load.ts';
import { EXIT } from '../../src/verdict/exit-codes.ts';
import type { ResultsFile } from '../../src/results/recorder.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures');
const TARGET = { BASE_URL: 'https://api.example.test', WIDGET_URL: 'https://widget.example.test', LUNEO_DIALECT: 'seed', LUNEO_ACCEPT_RATE_LIMIT: '1' };

/** A fixture as Artillery's `-o` writes it: aggregate and intermediate, no luneo section. */
function plainAggregate(dir: string, fixture: string): string {
  const { aggregate, intermediate } = JSON.parse(readFileSync(path.join(FIXTURES, fixture), 'utf8')) as ResultsFile;
  const file = path.join(dir, `${fixture}.artillery.json`);
  writeFileSync(file, JSON.stringify({ aggregate, intermediate }));
  return file;
}

/** Runs `fn` with console output captured (the launcher prints the verdict table and its own lines). */
async function quietly<T>(fn: () => Promise<T>): Promise<{ value: T; printed: string }> {
  const lines: string[] = [];
  const saved = { log: console.log, error: console.error };
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  console.error = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    return { value: await fn(), printed: lines.join('\n') };
  } finally {
    Object.assign(console, saved);
  }
}

describe('a distributed run ends with its verdict, not with ensure\'s exit code', () => {
  let dir: string;
  const savedResultsDir = process.env.LUNEO_RESULTS_DIR;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'luneo-distributed-'));
    process.env.LUNEO_RESULTS_DIR = dir;
  });
  after(() => {
    if (savedResultsDir === undefined) delete process.env.LUNEO_RESULTS_DIR;
    else process.env.LUNEO_RESULTS_DIR = savedResultsDir;
  });

  test('fargate: the target and the operator\'s choices reach every worker in the launch config; the aggregate is asked for with -o', () => {
    const plan = planLoad(['--scenario', 'render', '--env', 'staging', '--platform', 'fargate', '--count', '2'], { ...TARGET, LUNEO_RESULTS_DIR: dir });
    const launch = plan.args[plan.args.indexOf('--launch-config') + 1];
    assert.ok(launch, plan.args.join(' '));
    const forwarded = (JSON.parse(launch) as { environment: { name: string; value: string }[] }).environment;
    assert.deepEqual(
      forwarded.filter((e) => e.name !== 'LUNEO_CONFIRM_FULL_LOAD'),
      [
        { name: 'BASE_URL', value: TARGET.BASE_URL },
        { name: 'WIDGET_URL', value: TARGET.WIDGET_URL },
        { name: 'LUNEO_DIALECT', value: 'seed' },
        { name: 'LUNEO_ACCEPT_RATE_LIMIT', value: '1' },
      ],
    );
    assert.ok(plan.aggregateFile, 'the launcher computes the verdict from an aggregate file');
    assert.equal(path.resolve(plan.args[plan.args.indexOf('-o') + 1] ?? ''), plan.aggregateFile, 'and asks Artillery for it with -o');
    assert.equal(plan.aggregateFile, path.join(dir, 'render-artillery-aggregate.json'), 'beside the results');
  });

  test('an -o given by the operator is the aggregate read, not appended twice', () => {
    const own = path.join(dir, 'mine.json');
    const plan = planLoad(['--scenario', 'embed', '--env', 'staging', '--platform', 'lambda', '--count', '2', '--', '-o', own], { ...TARGET, LUNEO_DIALECT: 'seed' });
    assert.equal(plan.aggregateFile, own);
    assert.equal(plan.args.filter((a) => a === '-o').length, 1);
  });

  test('an INVALID aggregate exits 3 though ensure in the orchestrator exited 0; results and reports are written', async () => {
    const plan = planLoad(['--scenario', 'render', '--env', 'staging', '--platform', 'fargate', '--count', '2'], TARGET);
    const aggregate = plainAggregate(dir, 'synthetic-render-invalid.json');
    const { value: code, printed } = await quietly(() => finishDistributed(plan, aggregate, 0));
    assert.equal(code, EXIT.invalid, printed);
    assert.match(printed, /Verdict: INVALID \(/);
    assert.match(printed, /Artillery \(ensure in the orchestrator\) exited 0; the verdict's exit code is 3/);
    const results = JSON.parse(readFileSync(path.join(dir, 'worker-load-test-results.json'), 'utf8')) as ResultsFile;
    assert.equal(results.luneo.verdict.kind, 'invalid');
    assert.equal(results.luneo.scenario, 'render');
    for (const ext of ['.html', '.md', '.junit.xml']) assert.ok(existsSync(path.join(dir, `worker-load-test-results${ext}`)), `${ext} written`);
  });

  test('a healthy aggregate keeps ensure\'s verdict: the same exit code, no note', async () => {
    const plan = planLoad(['--scenario', 'embed', '--env', 'staging', '--platform', 'fargate', '--count', '2'], TARGET);
    const aggregate = plainAggregate(dir, 'load-test-results.json');
    const { value: code, printed } = await quietly(() => finishDistributed(plan, aggregate, EXIT.pass));
    assert.equal(code, EXIT.pass, printed);
    assert.match(printed, /Verdict: PASS/);
    assert.doesNotMatch(printed, /the verdict's exit code is/);
  });

  test('no aggregate: no verdict, never a pass; an unreadable one is bad input, exit 2', async () => {
    const plan = planLoad(['--scenario', 'embed', '--env', 'staging', '--platform', 'fargate', '--count', '2'], TARGET);
    const missing = await quietly(() => finishDistributed(plan, path.join(dir, 'none.json'), 0));
    assert.equal(missing.value, EXIT.slo_failed);
    assert.match(missing.printed, /Artillery wrote no aggregate .* it exited 0\): no verdict/);
    assert.equal((await quietly(() => finishDistributed(plan, path.join(dir, 'none.json'), 7))).value, 7, "Artillery's own failure stands");
    const garbage = path.join(dir, 'garbage.json');
    writeFileSync(garbage, '{"not": "an aggregate"}');
    const bad = await quietly(() => finishDistributed(plan, garbage, 0));
    assert.equal(bad.value, EXIT.config);
    assert.match(bad.printed, /not a results file/);
  });
});

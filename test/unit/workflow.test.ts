/**
 * The scheduled CI job (.github/workflows/load-test.yml): it parses and
 * passes the workflow linter, triggers nightly and on demand with the
 * documented inputs, runs only npm scripts that exist, with arguments
 * scripts/load.ts accepts for every input choice, takes its secrets from
 * repository secrets named in the README, and always publishes the reports.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { planLoad, UsageError } from '../../scripts/load.ts';
import { RESULT_FILES } from '../../src/results/recorder.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const WORKFLOW = path.join(ROOT, '.github', 'workflows', 'load-test.yml');
const VALIDATOR = path.join(ROOT, 'node_modules', '.bin', 'action-validator');

/** The repository secrets the workflow uses; README.md's "Secrets" section must name each. */
const EXPECTED_SECRETS = ['ARTILLERY_CLOUD_API_KEY', 'LUNEO_API_KEY', 'LUNEO_EMAIL', 'LUNEO_PASSWORD'];

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  'continue-on-error'?: boolean;
  'timeout-minutes'?: number;
}
interface Job {
  'runs-on': string;
  'timeout-minutes'?: number;
  env?: Record<string, string>;
  steps: Step[];
}
interface Input {
  type: string;
  description?: string;
  options?: string[];
  default?: unknown;
}
interface Workflow {
  name: string;
  on: { schedule?: { cron: string }[]; workflow_dispatch?: { inputs?: Record<string, Input> } };
  concurrency?: string | { group: string; 'cancel-in-progress'?: boolean };
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const text = readFileSync(WORKFLOW, 'utf8');
const workflow = parseYaml(text) as Workflow;
const jobs = Object.values(workflow.jobs ?? {});
const steps = jobs.flatMap((j) => j.steps);
const runs = steps.flatMap((s) => (s.run ? [s.run] : []));
const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** `npm run X` / `npm test` / `npm start` in the run steps, as script names. */
function npmScripts(): string[] {
  return runs.flatMap((r) => [...r.matchAll(/\bnpm\s+(?:run(?:-script)?\s+(?:--silent\s+)?([\w:.-]+)|(test|start)\b)/g)].map((m) => (m[1] ?? m[2]) as string));
}

/** Scenario steps: the ones that run `npm run load`. */
const loadSteps = steps.filter((s) => /\bnpm run load\b/.test(s.run ?? ''));

function baseUrlHost(environment: string): string {
  const doc = parseYaml(readFileSync(path.join(ROOT, 'environments', `${environment}.yml`), 'utf8')) as { BASE_URL: string };
  return new URL(doc.BASE_URL).hostname;
}

/** The arguments a `npm run load -- …` line passes, with the step's shell variables set. */
function loadArgs(run: string, vars: Record<string, string>): string[] {
  const line = run.split('\n').find((l) => l.includes('npm run load --')) as string;
  const expanded = line.replace(/"?\$\{?([A-Z_]+)\}?"?/g, (_m, name: string) => {
    assert.ok(name in vars, `the step uses $${name}, which the test does not know`);
    return vars[name] as string;
  });
  return expanded.slice(expanded.indexOf('npm run load --') + 'npm run load --'.length).trim().split(/\s+/).filter(Boolean);
}

function choices(name: string): string[] {
  return workflow.on.workflow_dispatch?.inputs?.[name]?.options ?? [];
}

describe('the load-test workflow', () => {
  test('parses, and passes the workflow linter (which does fail a broken workflow, offline)', () => {
    assert.equal(typeof workflow, 'object');
    assert.equal(jobs.length, 1);
    const ok = spawnSync(VALIDATOR, [WORKFLOW], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(ok.status, 0, `${ok.stdout}${ok.stderr}`);

    const dir = mkdtempSync(path.join(os.tmpdir(), 'luneo-workflow-'));
    try {
      const broken = parseYaml(text) as Workflow;
      for (const j of Object.values(broken.jobs)) delete (j as Partial<Job>)['runs-on'];
      const file = path.join(dir, 'broken.yml');
      writeFileSync(file, stringifyYaml(broken));
      const bad = spawnSync(VALIDATOR, [file], { encoding: 'utf8', timeout: 60_000 });
      assert.notEqual(bad.status, 0, 'a job without runs-on must fail the linter');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('runs nightly at 02:00 UTC and on demand with environment, scenario and profile inputs', () => {
    assert.deepEqual(workflow.on.schedule, [{ cron: '0 2 * * *' }]);
    const inputs = workflow.on.workflow_dispatch?.inputs ?? {};
    const expected: Record<string, { options: string[]; default: string }> = {
      environment: { options: ['ci', 'staging', 'prod'], default: 'ci' },
      scenario: { options: ['all', 'embed', 'render'], default: 'all' },
      profile: { options: ['ci', 'staging', 'prod'], default: 'ci' },
    };
    for (const [name, want] of Object.entries(expected)) {
      assert.equal(inputs[name]?.type, 'choice', `input ${name} is a choice`);
      assert.deepEqual(inputs[name]?.options, want.options, `input ${name} options`);
      assert.equal(inputs[name]?.default, want.default, `input ${name} default`);
    }
    // A scheduled run has no inputs: it must fall back to the same defaults.
    const env = jobs[0]?.env ?? {};
    assert.match(env.LOAD_ENV ?? '', /inputs\.environment\s*\|\|\s*'ci'/);
    assert.match(env.LOAD_PROFILE ?? '', /inputs\.profile\s*\|\|\s*'ci'/);
    assert.match(env.LOAD_SCENARIO ?? '', /inputs\.scenario\s*\|\|\s*'all'/);
  });

  test('never overlaps another load test, and has a time limit', () => {
    const c = workflow.concurrency;
    const group = typeof c === 'string' ? c : c?.group;
    assert.ok(group && group.length > 0, 'a concurrency group');
    assert.ok(!/\$\{\{/.test(group), 'a fixed group: one load test at a time, whatever the inputs');
    assert.notEqual(typeof c === 'object' ? c['cancel-in-progress'] : undefined, true, 'a running test is not cancelled half-way');
    for (const j of jobs) assert.ok(typeof j['timeout-minutes'] === 'number' && j['timeout-minutes'] > 0, 'job timeout-minutes');
  });

  test('uses the pinned Node with the npm cache, and installs with npm ci', () => {
    const checkout = steps.findIndex((s) => s.uses === 'actions/checkout@v4');
    const setup = steps.findIndex((s) => s.uses === 'actions/setup-node@v4');
    assert.ok(checkout >= 0 && setup > checkout);
    assert.equal(steps[setup]?.with?.['node-version-file'], '.nvmrc');
    assert.equal(steps[setup]?.with?.cache, 'npm');
    assert.ok(existsSync(path.join(ROOT, '.nvmrc')));
    const install = steps.findIndex((s) => /^npm ci\b/.test(s.run ?? ''));
    assert.ok(install > setup, 'npm ci after setup-node');
    assert.ok(steps.findIndex((s) => /\bnpm run\b/.test(s.run ?? '')) > install, 'scripts run after npm ci');
  });

  test('every npm script it runs exists in package.json', () => {
    const used = npmScripts();
    assert.ok(used.includes('load'), 'it runs npm run load');
    for (const name of used) assert.ok(name in scripts, `package.json has no script "${name}"`);
  });

  test('runs both scenarios, each to the end, and fails the job afterwards when either failed', () => {
    const scenarios = loadSteps.map((s) => /--scenario\s+(\S+)/.exec(s.run ?? '')?.[1]);
    assert.deepEqual(scenarios.sort(), ['embed', 'render']);
    for (const s of loadSteps) {
      assert.equal(s['continue-on-error'], true, `${s.name}: continues so that the other scenario and the reports still run`);
      assert.ok(s.id, `${s.name} has an id for the verdict step`);
    }
    const verdict = steps.at(-1) as Step;
    assert.match(verdict.if ?? '', /always\(\)/);
    for (const s of loadSteps) assert.match(verdict.if ?? '', new RegExp(`steps\\.${s.id}\\.outcome == 'failure'`));
    assert.match(verdict.run ?? '', /exit 1/);
  });

  test('its load commands are valid for every input choice, and the nightly runs the CI profiles against staging', () => {
    const record = ['', '--record'];
    for (const step of loadSteps) {
      for (const environment of choices('environment')) {
        for (const profile of choices('profile')) {
          for (const flag of record) {
            const args = loadArgs(step.run as string, { LOAD_ENV: environment, LOAD_PROFILE: profile, LOAD_RECORD: flag });
            const plan = planLoad([...args, '--dry-run'], { LUNEO_CONFIRM_FULL_LOAD: baseUrlHost(environment), ARTILLERY_CLOUD_API_KEY: 'a9_test_workflow_key' });
            assert.equal(plan.platform, 'local');
            assert.equal(plan.environment, environment);
          }
        }
      }
      const nightly = planLoad([...loadArgs(step.run as string, { LOAD_ENV: 'ci', LOAD_PROFILE: 'ci', LOAD_RECORD: '' }), '--dry-run'], {});
      assert.equal(nightly.settings.baseUrl, 'https://api.staging.luneo.app');
      assert.match(nightly.profileName, /^ci-/);
      // The production guard holds in CI too: a full profile against prod needs the confirmation input.
      assert.throws(
        () => planLoad([...loadArgs(step.run as string, { LOAD_ENV: 'prod', LOAD_PROFILE: 'prod', LOAD_RECORD: '' }), '--dry-run'], {}),
        (err: unknown) => err instanceof UsageError && /LUNEO_CONFIRM_FULL_LOAD=api\.luneo\.app/.test(err.message),
      );
    }
  });

  test('keeps every run in the run history on its own branch, before the scenarios run, and saves it whatever they did', () => {
    assert.equal(jobs[0]?.env?.LUNEO_HISTORY_DIR, 'history/runs', 'every run of the job appends to the checked-out history');
    assert.equal(workflow.permissions?.contents, 'write', 'to push the history branch');
    const checkout = steps.findIndex((s) => s.id === 'history');
    assert.ok(checkout >= 0, 'a step checks the history branch out');
    assert.match(steps[checkout]?.run ?? '', /load-test-history/);
    assert.equal(steps[checkout]?.['continue-on-error'], undefined, 'no history, no judgement: a failed checkout fails the job');
    for (const s of loadSteps) assert.ok(steps.indexOf(s) > checkout, `${s.name} runs after the history is there`);
    const save = steps.findIndex((s) => /git push .*load-test-history/.test(s.run ?? ''));
    assert.ok(save > Math.max(...loadSteps.map((s) => steps.indexOf(s))), 'saved after both scenarios');
    assert.match(steps[save]?.if ?? '', /always\(\)/, 'saved whatever the scenarios did: an INVALID run is recorded too');
    assert.ok(runs.some((r) => /npm run --silent history -- --markdown >> "\$GITHUB_STEP_SUMMARY"/.test(r)), 'the summary gets the history lines');
  });

  test('takes its secrets from repository secrets, only in the steps that need them', () => {
    const used = [...new Set([...text.matchAll(/\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string))].sort();
    assert.deepEqual(used, EXPECTED_SECRETS);
    for (const s of loadSteps) {
      assert.match(s.env?.API_KEY ?? '', /secrets\.LUNEO_API_KEY/);
      assert.match(s.env?.LUNEO_EMAIL ?? '', /secrets\.LUNEO_EMAIL/);
      assert.match(s.env?.LUNEO_PASSWORD ?? '', /secrets\.LUNEO_PASSWORD/);
      assert.match(s.env?.LUNEO_CONFIRM_FULL_LOAD ?? '', /inputs\.environment == 'prod'/, 'the confirmation only ever applies to prod');
    }
    const elsewhere = [...steps.filter((s) => !loadSteps.includes(s)).map((s) => JSON.stringify(s)), ...jobs.map((j) => JSON.stringify(j.env ?? {}))];
    for (const s of elsewhere) assert.doesNotMatch(s, /secrets\./, 'no secrets for npm ci (install scripts) or the other steps');
  });

  test('the secrets it uses are named in the README', () => {
    const readme = path.join(ROOT, 'README.md');
    assert.ok(existsSync(readme), 'README.md exists');
    const lines = readFileSync(readme, 'utf8').split('\n');
    const start = lines.findIndex((l) => /^#{1,6}\s.*\bSecrets\b/i.test(l));
    assert.notEqual(start, -1, 'README.md has a "Secrets" section');
    const level = (/^(#+)/.exec(lines[start] as string)?.[1] ?? '#').length;
    const end = lines.findIndex((l, i) => i > start && new RegExp(`^#{1,${level}}\\s`).test(l));
    const section = lines.slice(start, end === -1 ? undefined : end).join('\n');
    for (const name of EXPECTED_SECRETS) assert.ok(section.includes(name), `README's Secrets section names ${name}`);
  });

  test('always publishes the reports: results/ as an artefact and the Markdown summary on the job page', () => {
    const upload = steps.find((s) => s.uses === 'actions/upload-artifact@v4');
    assert.ok(upload, 'an upload-artifact@v4 step');
    assert.match(upload.if ?? '', /always\(\)/);
    const paths = String(upload.with?.path ?? '');
    for (const ext of ['json', 'html', 'md']) assert.match(paths, new RegExp(`results/\\*\\.${ext}`));
    const summary = steps.find((s) => /GITHUB_STEP_SUMMARY/.test(s.run ?? ''));
    assert.ok(summary, 'a step that writes the job summary');
    assert.match(summary.if ?? '', /always\(\)/);
    assert.match(summary.run ?? '', /results\/\*\.md/);
  });

  test("compares each scenario with the previous successful run's results artefact, and fails the job on a regression", () => {
    const download = steps.findIndex((s) => /\bgh run download\b/.test(s.run ?? ''));
    assert.ok(download >= 0, 'a step downloads the baseline');
    const step = steps[download] as Step;
    assert.match(step.run ?? '', /gh run list\b[^\n]*--workflow load-test\.yml[^\n]*--status success[^\n]*--limit 1/, 'the previous successful run of this workflow');
    assert.equal(step['continue-on-error'], true, 'the first run has no baseline and still runs');
    assert.match(step.env?.GH_TOKEN ?? '', /^\$\{\{\s*github\.token\s*\}\}$/);
    assert.equal(workflow.permissions?.actions, 'read', 'reading other runs\' artefacts needs actions: read');
    const upload = steps.find((s) => s.uses === 'actions/upload-artifact@v4');
    const pattern = /--pattern '([^']+)'/.exec(step.run ?? '')?.[1] ?? '';
    const uploaded = String(upload?.with?.name ?? '');
    assert.ok(pattern.endsWith('*') && uploaded.startsWith(pattern.slice(0, -1)), `the pattern ${pattern} matches the uploaded artefact ${uploaded}`);
    assert.match(String(upload?.with?.path ?? ''), /results\/\*\.junit\.xml/, 'the JUnit files are uploaded too');
    assert.ok(loadSteps.every((s) => steps.indexOf(s) > download), 'the baseline is there before the load runs');

    const summary = steps.findIndex((s) => /GITHUB_STEP_SUMMARY/.test(s.run ?? ''));
    const verdict = steps.at(-1) as Step;
    for (const load of loadSteps) {
      const scenario = /--scenario\s+(\S+)/.exec(load.run ?? '')?.[1] as string;
      const file = RESULT_FILES[scenario] as string;
      const compare = steps.find((s) => (s.run ?? '').includes(`npm run report -- results/${file} --baseline baseline/${file}`));
      assert.ok(compare, `${scenario}: a step compares results/${file} with the baseline`);
      assert.ok(steps.indexOf(compare) > steps.indexOf(load) && steps.indexOf(compare) < summary, `${scenario}: after the load, before the job summary (which then shows the deltas)`);
      assert.match(compare.if ?? '', /always\(\)/, 'compares a failed run too');
      assert.equal(compare['continue-on-error'], true);
      assert.match(compare.env?.LUNEO_MAX_REGRESSION ?? '', /vars\.LUNEO_MAX_REGRESSION/, 'the regression limit is a repository variable');
      assert.ok(compare.id && new RegExp(`steps\\.${compare.id}\\.outcome == 'failure'`).test(verdict.if ?? ''), `${scenario}: a regression fails the job`);
    }
  });
});

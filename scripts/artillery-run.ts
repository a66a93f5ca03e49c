/**
 * Runs one scenario with the project's own Artillery and Node 22, as the
 * README's commands do; used by `npm start`, the benchmarks and the tests.
 * A run is bounded: it is killed (and reported as such) past its time limit.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { phasesFor, scaleStages, type Stage } from '../src/load/model.ts';
import type { FlowName } from '../src/run/setup.ts';
import type { ResultsFile } from '../src/run/recorder.ts';
import { RESULT_FILES } from '../src/run/recorder.ts';
import { encodeStages } from '../src/load/stages-codec.ts';

export const ROOT = path.resolve(import.meta.dirname, '..');
const ARTILLERY = path.join(ROOT, 'node_modules', 'artillery', 'bin', 'run');
const NODE = process.execPath;

export interface ArtilleryRunOptions {
  scenario: FlowName;
  environment?: string;
  /** `-e` value; '' runs without -e */
  /** replaces the environment's profile (sent with --overrides) */
  stages?: Stage[];
  profileName?: string;
  env?: Record<string, string | undefined>;
  resultsDir: string;
  timeoutMs?: number;
  extraArgs?: string[];
  /** echo Artillery's output as it comes */
  echo?: boolean;
}

export interface ArtilleryRunResult {
  code: number | null;
  timedOut: boolean;
  output: string;
  resultsPath: string;
  results?: ResultsFile;
}

export interface Overrides {
  config: Record<string, unknown>;
}

/** What `--overrides` gives Artillery for a profile: its phases, and the stages the users leave by. */
export function profileOverrides(stages: readonly Stage[], profileName: string, divisor = 1): Overrides {
  // Phases and the stages the users leave by come from the same per-worker profile.
  const scaled = scaleStages(stages, divisor);
  return { config: { phases: phasesFor(scaled), variables: { luneoProfile: profileName, luneoStages: encodeStages(scaled) } } };
}

export function overridesFor(stages: readonly Stage[], profileName: string, divisor = 1): string {
  return JSON.stringify(profileOverrides(stages, profileName, divisor));
}

/**
 * Artillery bundles a `.ts` processor into `dist/` beside it and deletes the
 * bundle when the run ends, so two runs of one scenario from one checkout
 * delete each other's mid-start. A private entry in a temporary directory
 * re-exports the scenario's processor: the code that runs is the package's,
 * in a bundle of its own (outside the package, with no "type": "module"
 * above it, the CommonJS bundle loads as CommonJS). Give its path as
 * `config.processor` in `--overrides`.
 */
export function privateProcessor(scenario: FlowName): { path: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `luneo-processor-${scenario}-`));
  const entry = path.join(dir, `${scenario}.ts`);
  writeFileSync(entry, `export * from ${JSON.stringify(path.join(ROOT, 'processors', `${scenario}.ts`))};\n`);
  return { path: entry, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function runArtillery(o: ArtilleryRunOptions): Promise<ArtilleryRunResult> {
  const args = [ARTILLERY, 'run'];
  // An empty environment name runs without -e, as a user who forgot it would.
  if (o.environment !== '') args.push('-e', o.environment ?? 'local');
  // Each run its own bundle: the tests run several at once.
  const processor = privateProcessor(o.scenario);
  const overrides: Overrides = o.stages ? profileOverrides(o.stages, o.profileName ?? 'custom') : { config: {} };
  overrides.config.processor = processor.path;
  args.push('--overrides', JSON.stringify(overrides));
  args.push(...(o.extraArgs ?? []), path.join('scenarios', `${o.scenario}.yml`));
  const env: Record<string, string | undefined> = {
    ...process.env,
    ARTILLERY_DISABLE_TELEMETRY: '1',
    LUNEO_RESULTS_DIR: o.resultsDir,
    ...o.env,
  };
  // Node puts its own binary first on PATH for child processes of npm scripts only; be explicit.
  env.PATH = `${path.join(ROOT, 'node_modules', '.bin')}${path.delimiter}${env.PATH ?? ''}`;
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (b: Buffer) => {
      const s = b.toString();
      output += s;
      if (o.echo) process.stdout.write(s);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs ?? 180_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      processor.remove();
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      processor.remove();
      const resultsPath = path.join(o.resultsDir, RESULT_FILES[o.scenario] ?? `${o.scenario}.json`);
      let results: ResultsFile | undefined;
      try {
        results = JSON.parse(readFileSync(resultsPath, 'utf8')) as ResultsFile;
      } catch {
        results = undefined;
      }
      const r: ArtilleryRunResult = { code, timedOut, output, resultsPath };
      if (results) r.results = results;
      resolve(r);
    });
  });
}

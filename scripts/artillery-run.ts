/**
 * Runs one scenario with the project's own Artillery and Node 22, as the
 * README's commands do; used by `npm start`, the benchmarks and the tests.
 * A run is bounded: it is killed (and reported as such) past its time limit.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

export function overridesFor(stages: readonly Stage[], profileName: string, divisor = 1): string {
  // Phases and the stages the users leave by come from the same per-worker profile.
  const scaled = scaleStages(stages, divisor);
  return JSON.stringify({
    config: { phases: phasesFor(scaled), variables: { luneoProfile: profileName, luneoStages: encodeStages(scaled) } },
  });
}

export function runArtillery(o: ArtilleryRunOptions): Promise<ArtilleryRunResult> {
  const args = [ARTILLERY, 'run'];
  // An empty environment name runs without -e, as a user who forgot it would.
  if (o.environment !== '') args.push('-e', o.environment ?? 'local');
  if (o.stages) args.push('--overrides', overridesFor(o.stages, o.profileName ?? 'custom'));
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
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
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

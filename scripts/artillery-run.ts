/**
 * Runs one scenario with the project's own Artillery and Node 22, as the
 * README's commands do; used by `npm start`, the benchmarks and the tests.
 * A run is bounded: it is killed (and reported as such) past its time limit.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { BuildOptions } from 'esbuild-wasm';
import { phasesFor, scaleStages, type Stage } from '../src/load/model.ts';
import type { FlowName } from '../src/before/setup.ts';
import type { ResultsFile } from '../src/results/recorder.ts';
import { RESULT_FILES } from '../src/results/recorder.ts';
import { encodeStages } from '../src/load/stages.ts';

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
  /** lower CPU priority for the run (Unix nice, 0-19); the tests run most of theirs at a lower one */
  niceness?: number;
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

/** Artillery's own bundler and the options it bundles a `.ts` processor with (prepare-test-execution-plan.ts). */
const esbuild = createRequire(createRequire(import.meta.url).resolve('artillery'))('esbuild-wasm') as typeof import('esbuild-wasm');
const ARTILLERY_BUNDLE_OPTIONS: BuildOptions = { bundle: true, platform: 'node', format: 'cjs', sourcemap: 'inline', external: ['@playwright/test'] };
const BUNDLES = path.join(os.tmpdir(), 'luneo-processor-bundles');

interface BundleManifest {
  /** sha256 over esbuild's version and the contents of every input of the bundle */
  hash: string;
  /** the bundle's inputs as esbuild's metafile lists them, relative to ROOT */
  inputs: string[];
}

function hashOf(inputs: readonly string[]): string | undefined {
  const h = createHash('sha256').update(esbuild.version);
  for (const input of inputs) {
    try {
      h.update(input).update(readFileSync(path.join(ROOT, input)));
    } catch {
      return undefined;
    }
  }
  return h.digest('hex');
}

/** Bundles of earlier sources: an hour after their last build, no run of this checkout still starts from them. */
function removeOldBundles(scenario: FlowName, keep: string): void {
  const hourAgo = Date.now() - 3_600_000;
  for (const name of readdirSync(BUNDLES)) {
    const file = path.join(BUNDLES, name);
    if (file === keep || !name.startsWith(`${scenario}-`) || !name.endsWith('.js')) continue;
    try {
      if (statSync(file).mtimeMs < hourAgo) rmSync(file, { force: true });
    } catch {
      // removed by another run meanwhile
    }
  }
}

/**
 * The scenario's processor, bundled as Artillery bundles a `.ts` processor
 * (its esbuild-wasm, its options), for the runs started from here: the
 * tests, `npm start` and the benchmarks.
 * - Artillery bundles into `dist/` beside the processor and deletes the
 *   bundle when the run ends, so two runs of one scenario from one
 *   checkout delete each other's mid-start.
 * - esbuild-wasm takes 2.5 s of wall time per run on this machine, a
 *   quarter of a short test run's start-up, and the suite starts about a
 *   hundred runs.
 * So the bundle is built once for the sources as they are: the cache is
 * keyed by a hash of every input esbuild read (its metafile), checked at
 * each run, so an edited source is never run from a stale bundle. Outside
 * the package, with no "type": "module" above it, the CommonJS bundle
 * loads as CommonJS. Give its path as `config.processor` in `--overrides`;
 * a `.js` processor is loaded as it is.
 */
export function processorBundle(scenario: FlowName): string {
  mkdirSync(BUNDLES, { recursive: true });
  const manifestPath = path.join(BUNDLES, `${scenario}.json`);
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as BundleManifest;
    const bundle = path.join(BUNDLES, `${scenario}-${manifest.hash}.js`);
    if (hashOf(manifest.inputs) === manifest.hash && existsSync(bundle)) return bundle;
  } catch {
    // No manifest yet, or an unreadable one: build.
  }
  // Unique names until the rename: test files build side by side, and the last rename wins with identical content.
  const unique = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const building = path.join(BUNDLES, `${scenario}.${unique}.building.js`);
  const result = esbuild.buildSync({ ...ARTILLERY_BUNDLE_OPTIONS, entryPoints: [path.join(ROOT, 'processors', `${scenario}.ts`)], outfile: building, metafile: true, absWorkingDir: ROOT });
  const inputs = Object.keys(result.metafile?.inputs ?? {}).sort();
  const hash = hashOf(inputs);
  if (hash === undefined) throw new Error(`bundling processors/${scenario}.ts: an input esbuild read is gone`);
  const bundle = path.join(BUNDLES, `${scenario}-${hash}.js`);
  renameSync(building, bundle);
  const manifestTmp = path.join(BUNDLES, `${scenario}.${unique}.json`);
  writeFileSync(manifestTmp, JSON.stringify({ hash, inputs } satisfies BundleManifest));
  renameSync(manifestTmp, manifestPath);
  removeOldBundles(scenario, bundle);
  return bundle;
}

/** `nice`, where the system has one. */
const NICE = ['/usr/bin/nice', '/bin/nice'].find((p) => existsSync(p));

/** The command that runs `node …args` at a lower CPU priority (nice 1-19; 0, or a system without `nice`: as it is). */
export function nodeCommand(args: readonly string[], niceness = 0): { command: string; args: string[] } {
  return niceness > 0 && NICE ? { command: NICE, args: ['-n', String(niceness), NODE, ...args] } : { command: NODE, args: [...args] };
}

export function runArtillery(o: ArtilleryRunOptions): Promise<ArtilleryRunResult> {
  const args = [ARTILLERY, 'run'];
  // An empty environment name runs without -e, as a user who forgot it would.
  if (o.environment !== '') args.push('-e', o.environment ?? 'local');
  const overrides: Overrides = o.stages ? profileOverrides(o.stages, o.profileName ?? 'custom') : { config: {} };
  overrides.config.processor = processorBundle(o.scenario);
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
    const run = nodeCommand(args, o.niceness);
    // nice execs node: the pid, and so the kill below, are the run's own.
    const child = spawn(run.command, run.args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

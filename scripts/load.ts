/**
 * `npm run load`: one scenario against one environment, on this machine
 * (`artillery run`) or on Artillery's distributed runners (`run-fargate`,
 * `run-lambda`; also `npm run fargate` / `npm run lambda`).
 *
 * Every Fargate or Lambda worker runs the whole script, so a distributed
 * run divides the profile by --count before anything starts, and says how
 * many users that makes per worker and in total. Everything an operator
 * can get wrong is refused here with one line and exit code 2, before
 * anything is launched; --dry-run prints the exact command and stops.
 *
 * On Fargate and Lambda the luneo plugin runs inside each worker, on its
 * share only, and the orchestrator loads only ensure: so the run writes
 * Artillery's combined aggregate (-o) and this script then computes from
 * it the same verdict, results file, reports and exit code as a local run.
 */
import { Observer } from '../src/observe/observer.ts';
import type { ServerSection } from '../src/observe/signals.ts';
import { serverChecks, type ServerThresholds } from '../src/observe/thresholds.ts';
import { checkRows, holdWindow } from '../src/results/recorder.ts';
import { rejudge } from '../src/verdict/summary.ts';
import { OBSERVE_SECRET_VARIABLES } from '../src/observe/variables.ts';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CREDENTIAL_VARIABLES, redact, secretsFromEnv } from '../src/api/credentials.ts';
import { readResultsFile, ReportInputError } from '../src/report/load.ts';
import { judgeRun } from '../src/history/judge-run.ts';
import { resultsDir, resultsFile, writeResults } from '../src/results/recorder.ts';
import { ConfigError, environmentsDir, loadSettings, type RunSettings } from '../src/config/environments.ts';
import { peakConcurrency, phasesFor, plannedArrivals, type Profile, scaleStages, type Stage } from '../src/load/model.ts';
import { ENVIRONMENTS, type EnvironmentName, isEnvironmentName, PROFILES, SCENARIOS, type ScenarioName } from '../src/load/profiles.ts';
import { checkGuard, CONFIRM_VARIABLE, UNGUARDED_PEAK } from '../src/before/setup.ts';
import { ACCEPT_RATE_LIMIT_VARIABLE } from '../src/before/rate-limit-check.ts';
import { describeStages, parseStages, StageSyntaxError, vusStages } from '../src/load/stages.ts';
import { EXIT } from '../src/verdict/exit-codes.ts';
import { FLOWS } from '../src/flows/index.ts';
import { overridesFor, ROOT } from './artillery-run.ts';
import type { Env } from '../src/config/env.ts';

export const PLATFORMS = ['local', 'fargate', 'lambda'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Fargate workers read the credentials from AWS SSM (/artilleryio/<NAME>); both dialects are covered, as LUNEO_DIALECT may switch it. */
export const FARGATE_SECRETS = CREDENTIAL_VARIABLES;
/**
 * Non-secret settings the environment files let the shell override; a
 * worker does not inherit this shell, so Fargate gets them through
 * --launch-config, or the worker would target something else than what
 * was checked here (and fail the production guard this script passed).
 */
const FORWARDED_VARIABLES = ['BASE_URL', 'WIDGET_URL', 'LUNEO_DIALECT', CONFIRM_VARIABLE, ACCEPT_RATE_LIMIT_VARIABLE] as const;

export const USAGE = `usage: npm run load -- --scenario ${SCENARIOS.join('|')} --env ${ENVIRONMENTS.join('|')} [options] [-- extra artillery args]
  --profile ENV        use that environment's profile instead of --env's own (e.g. --env staging --profile ci)
  --stage D:N          a load shape instead of a profile, repeated: ramp to N concurrent users over D
                       (durations in s, m, h: --stage 2m:1000 --stage 5m:5000 --stage 5m:10000)
  --vus N --duration D N users for D, reached by a short ramp-up first stage (a tenth of D, >= 1 s,
                       <= 40 arrivals/s), which the start-up notes state
  --platform P         ${PLATFORMS.join('|')} (default local; npm run fargate / npm run lambda set it)
  --count N            fargate/lambda: number of workers; required there, and the load is divided by it
  --workers N          local: this machine is one of N generators started by hand; divides the load by N
  --region R           fargate/lambda: AWS region (Artillery's default: us-east-1)
  --cpu N              fargate: vCPUs per worker (1-16) or CPU units
  --memory N           fargate: GB per worker (1-120) or MiB; lambda: MB per function (128-10240)
  --record             record the run to Artillery Cloud (key from ARTILLERY_CLOUD_API_KEY)
  --dry-run            print the command (secrets masked) and exit without running anything`;

export class UsageError extends Error {
  override name = 'UsageError';
}


export interface LoadPlan {
  scenario: ScenarioName;
  environment: EnvironmentName;
  platform: Platform;
  settings: RunSettings;
  profileName: string;
  /** the whole profile, before division */
  stages: Stage[];
  divisor: number;
  /** arguments after `artillery` */
  args: string[];
  /** fargate/lambda: where Artillery writes its combined aggregate, which the verdict is computed from */
  aggregateFile?: string;
  /** what to tell the operator before the command */
  notes: string[];
  warnings: string[];
  dryRun: boolean;
}

const POSITIVE_INT = /^[1-9]\d*$/;

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!POSITIVE_INT.test(v)) throw new UsageError(`--${flag} must be a whole number >= 1, got "${v}"`);
  return Number(v);
}

function positiveNumber(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a positive number, got "${v}"`);
  return n;
}

function oneOf<T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`unknown --${flag} "${v}": choose one of ${allowed.join(', ')}`);
  return v as T;
}

function parseError(err: unknown): UsageError {
  const e = err as { code?: string; message?: string };
  // parseArgs' own messages run to several sentences; keep one line.
  const quoted = /'([^']+)'/.exec(e.message ?? '')?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option ${quoted ?? ''}: extra artillery arguments go after a second "--"`);
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return new UsageError(`option ${quoted ?? ''} needs a value`);
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new UsageError(`unexpected argument ${quoted ?? ''}: extra artillery arguments go after a second "--"`);
  return new UsageError(e.message ?? String(err));
}

/** `--flag value` or `--flag=value` among the extra arguments. */
function flagIn(extra: readonly string[], names: readonly string[]): string | undefined {
  return extra.find((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
}

function valueOf(extra: readonly string[], names: readonly string[]): string | undefined {
  for (let i = 0; i < extra.length; i++) {
    const a = extra[i] as string;
    for (const n of names) {
      if (a === n) return extra[i + 1];
      if (a.startsWith(`${n}=`)) return a.slice(n.length + 1);
    }
  }
  return undefined;
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);
}

/** Names a dotenv file defines (values are not read into anything printed). */
function dotenvNames(file: string): Set<string> {
  const names = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    if (m?.[1]) names.add(m[1]);
  }
  return names;
}

/** The largest worker count that still gives each worker at least one user. */
function maxWorkers(stages: readonly Stage[]): number {
  // Math.round(peak / n) >= 1 while peak / n >= 0.5
  return 2 * peakConcurrency(stages);
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * The profile the command line asks for, if any: `--stage` (repeated) or
 * `--vus` with `--duration`, never together and never with --profile.
 */
function loadShape(stageValues: readonly string[] | undefined, vus: string | undefined, duration: string | undefined, hasProfile: boolean): Profile | undefined {
  const given = [stageValues?.length ? '--stage' : '', vus !== undefined || duration !== undefined ? '--vus/--duration' : '', hasProfile ? '--profile' : ''].filter(Boolean);
  if (given.length > 1) throw new UsageError(`${given.join(' and ')} both set the load: choose one`);
  if ((vus === undefined) !== (duration === undefined)) throw new UsageError('--vus and --duration go together (e.g. --vus 1000 --duration 2m)');
  try {
    if (stageValues?.length) {
      const stages = parseStages(stageValues);
      return { name: 'cli-stages', description: `stages from the command line: ${describeStages(stages)} (duration:users)`, stages };
    }
    if (vus !== undefined && duration !== undefined) {
      const stages = vusStages(vus, duration);
      const [ramp, hold] = stages as [Stage, Stage];
      return {
        name: `cli-vus-${ramp.target}`,
        description: `--vus ${vus} --duration ${duration}: ramp-up 0→${fmt(ramp.target)} over ${ramp.duration} s, then ${fmt(hold.target)} held for ${hold.duration} s`,
        stages,
      };
    }
  } catch (err) {
    if (err instanceof StageSyntaxError) throw new UsageError(err.message);
    throw err;
  }
  return undefined;
}

const scenarioFileOf = (scenario: ScenarioName): string => path.join(ROOT, 'scenarios', `${scenario}.yml`);

/** What the command line asks for, each flag checked on its own and against the others. */
export interface LoadRequest {
  scenario: ScenarioName;
  environment: EnvironmentName;
  /** --profile: another environment's profile */
  profileEnv?: EnvironmentName;
  /** --stage or --vus/--duration: a load shape instead of a profile */
  shape?: Profile;
  platform: Platform;
  count?: number;
  workers?: number;
  region?: string;
  cpu?: number;
  memory?: number;
  record: boolean;
  dryRun: boolean;
  /** extra Artillery arguments, after the second "--" */
  extra: string[];
}

/** Parse: the arguments alone, nothing read from disk. */
export function parseLoadArgs(argv: readonly string[], env: Env = process.env): LoadRequest {
  const split = argv.indexOf('--');
  const own = split === -1 ? argv : argv.slice(0, split);
  const extra = split === -1 ? [] : argv.slice(split + 1);
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    const parsed = parseArgs({
      args: [...own],
      strict: true,
      allowPositionals: false,
      tokens: true,
      options: {
        scenario: { type: 'string' },
        env: { type: 'string' },
        profile: { type: 'string' },
        stage: { type: 'string', multiple: true },
        vus: { type: 'string' },
        duration: { type: 'string' },
        workers: { type: 'string' },
        platform: { type: 'string' },
        count: { type: 'string' },
        region: { type: 'string' },
        cpu: { type: 'string' },
        memory: { type: 'string' },
        record: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
      },
    });
    values = parsed.values;
    // parseArgs keeps the last of repeated options: `npm run fargate -- --platform lambda` must not quietly become lambda.
    const seen = new Map<string, string | undefined>();
    for (const t of parsed.tokens) {
      if (t.kind !== 'option' || t.name === 'stage') continue;
      if (seen.has(t.name) && seen.get(t.name) !== t.value) throw new UsageError(`--${t.name} is given twice (${seen.get(t.name) ?? 'set'} and ${t.value ?? 'set'})`);
      seen.set(t.name, t.value);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw parseError(err);
  }
  const str = (k: string): string | undefined => {
    const v = values[k];
    return typeof v === 'string' ? v : undefined;
  };

  const scenario = oneOf('scenario', str('scenario'), SCENARIOS);
  if (!scenario) throw new UsageError(`--scenario is required: one of ${SCENARIOS.join(', ')}`);
  const rawEnv = str('env');
  if (rawEnv === undefined) throw new UsageError(`--env is required: one of ${ENVIRONMENTS.join(', ')}`);
  if (!isEnvironmentName(rawEnv)) throw new UsageError(`unknown --env "${rawEnv}": choose one of ${ENVIRONMENTS.join(', ')}`);
  const environment = rawEnv;
  const profileEnv = oneOf('profile', str('profile'), ENVIRONMENTS);
  const shape = loadShape(values.stage as string[] | undefined, str('vus'), str('duration'), profileEnv !== undefined);
  const platform = oneOf('platform', str('platform'), PLATFORMS) ?? 'local';
  const count = positiveInt('count', str('count'));
  const workers = positiveInt('workers', str('workers'));
  const region = str('region');
  const cpu = positiveNumber('cpu', str('cpu'));
  const memory = positiveNumber('memory', str('memory'));
  const record = values.record === true;
  const dryRun = values['dry-run'] === true;
  const distributed = platform !== 'local';

  // Flags this script owns: a second copy among the extra arguments would silently win or clash.
  const owned: [string[], string][] = [
    [['-e', '--environment'], '--env'],
    [['--overrides'], '--profile, --count or --workers'],
    [['--count'], '--count before the "--"'],
    [['--region', '-r'], '--region before the "--"'],
    [['--cpu'], '--cpu before the "--"'],
    [['--memory', '--memory-size'], '--memory before the "--"'],
    [['--record'], '--record before the "--"'],
    [['--key'], 'ARTILLERY_CLOUD_API_KEY in the environment (a key on the command line shows in process lists)'],
  ];
  for (const [names, instead] of owned) {
    const hit = flagIn(extra, names);
    if (hit) throw new UsageError(`${hit.split('=')[0]} is set by this script: use ${instead}`);
  }

  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new UsageError(`--region "${region}" is not an AWS region name (e.g. us-east-1, eu-west-1)`);
  if (!distributed) {
    for (const [flag, v] of [['count', count], ['region', region], ['cpu', cpu], ['memory', memory]] as const) {
      if (v !== undefined) throw new UsageError(`--${flag} applies to --platform fargate or lambda, not local`);
    }
  } else {
    if (count === undefined) {
      throw new UsageError(`--platform ${platform} needs --count N: every worker runs the whole script, so the load is divided by the number of workers`);
    }
    if (workers !== undefined && workers !== count) {
      throw new UsageError(`--workers ${workers} contradicts --count ${count}: on ${platform} the load is divided by --count (drop --workers)`);
    }
    if (platform === 'lambda' && cpu !== undefined) throw new UsageError('--cpu applies to fargate only: a Lambda function gets CPU in proportion to --memory');
    if (platform === 'lambda' && memory !== undefined && (!Number.isInteger(memory) || memory < 128 || memory > 10240)) {
      throw new UsageError(`--memory on lambda is the function's memory in MB (128-10240), got ${memory}`);
    }
    if (flagIn(extra, ['-c', '--config'])) {
      throw new UsageError(`--config is not supported on ${platform}: Artillery does not bundle the scenario's processor with it, and the bundle test covers the scenario file alone`);
    }
    if (env.LUNEO_ENVIRONMENTS_DIR?.trim()) {
      throw new UsageError(`LUNEO_ENVIRONMENTS_DIR is set, but ${platform} workers read environments/ from the bundle: unset it or edit environments/${environment}.yml`);
    }
  }
  if (platform === 'fargate' && flagIn(extra, ['--dotenv'])) {
    throw new UsageError(`--dotenv on fargate hands its values to every worker as plain environment variables: secrets go as --secret from AWS SSM (${FARGATE_SECRETS.join(', ')} are passed already)`);
  }
  if (record && !env.ARTILLERY_CLOUD_API_KEY?.trim()) {
    throw new UsageError('--record needs ARTILLERY_CLOUD_API_KEY in the environment (your Artillery Cloud API key); nothing was started');
  }

  const request: LoadRequest = { scenario, environment, platform, record, dryRun, extra: [...extra] };
  if (profileEnv !== undefined) request.profileEnv = profileEnv;
  if (shape !== undefined) request.shape = shape;
  if (count !== undefined) request.count = count;
  if (workers !== undefined) request.workers = workers;
  if (region !== undefined) request.region = region;
  if (cpu !== undefined) request.cpu = cpu;
  if (memory !== undefined) request.memory = memory;
  return request;
}

/** What the request runs against, checked: the environment's settings, the profile and the production guard. */
export interface CheckedLoad {
  settings: RunSettings;
  profile: Profile;
  stages: Stage[];
  divisor: number;
}

/** Check: the environment file and the guard, against the whole load the target will receive. */
export function checkLoad(r: LoadRequest, env: Env = process.env): CheckedLoad {
  const { scenario, environment, platform, profileEnv, shape, count, workers } = r;
  const distributed = platform !== 'local';
  const scenarioFile = scenarioFileOf(scenario);
  let settings: RunSettings;
  try {
    settings = loadSettings(environment, environmentsDir(scenarioFile, env), env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  if (distributed && isLoopback(settings.baseUrl)) {
    throw new UsageError(`--env ${environment} targets ${settings.baseUrl} on this machine, which ${platform} workers cannot reach: choose ci, staging or prod`);
  }

  const profile = shape ?? PROFILES[scenario][profileEnv ?? environment];
  const stages = profile.stages;
  const divisor = distributed ? (count as number) : (workers ?? 1);
  try {
    // The whole load is what the target receives, whatever the number of workers.
    checkGuard(settings, stages, env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  return { settings, profile, stages, divisor };
}

/** Build: the Artillery command, what to tell the operator, and where the aggregate goes. */
export function buildLoadPlan(r: LoadRequest, c: CheckedLoad, env: Env = process.env): LoadPlan {
  const { scenario, environment, platform, profileEnv, shape, count, region, cpu, memory, record, dryRun, extra } = r;
  const { settings, profile, stages, divisor } = c;
  const distributed = platform !== 'local';
  const notes: string[] = [];
  const warnings: string[] = [];
  const who = FLOWS[scenario].users.many;
  notes.push(
    `${scenario} on ${environment} (${settings.baseUrl}, dialect ${settings.dialect}), profile ${profile.name}${profileEnv ? ` (from ${profileEnv})` : ''}: ` +
      `peak ${fmt(peakConcurrency(stages))} concurrent ${who}, platform ${platform}`,
  );
  if (shape) notes.push(shape.description);
  if (divisor > 1) {
    if (plannedArrivals(phasesFor(stages, divisor)) === 0) {
      throw new UsageError(
        `${fmt(divisor)} workers leave every stage of profile ${profile.name} with 0 users per worker (peak ${fmt(peakConcurrency(stages))}): use at most ${fmt(maxWorkers(stages))} workers, or a larger --profile`,
      );
    }
    // overridesFor gives each worker these scaled stages (phases and departures alike).
    const each = peakConcurrency(scaleStages(stages, divisor));
    const total = each * divisor;
    const peak = peakConcurrency(stages);
    notes.push(`${fmt(divisor)} workers × ${fmt(each)} ${each === 1 ? 'user' : 'users'} each = ${fmt(total)} users in total (profile ${profile.name} peaks at ${fmt(peak)})`);
    if (Math.abs(total - peak) > 0.05 * peak) {
      warnings.push(`rounding to whole users per worker makes ${fmt(total)} users where the profile asks for ${fmt(peak)}: choose a --count that divides ${fmt(peak)} more evenly`);
    }
  }

  const args: string[] = [];
  if (platform === 'local') args.push('run');
  else args.push(platform === 'fargate' ? 'run-fargate' : 'run-lambda', '--count', String(count));
  args.push('-e', environment);
  if (region !== undefined) args.push('--region', region);
  if (platform === 'fargate') {
    if (cpu !== undefined) args.push('--cpu', String(cpu));
    if (memory !== undefined) args.push('--memory', String(memory));
    for (const name of FARGATE_SECRETS) args.push('--secret', name);
    notes.push(`secrets: ${FARGATE_SECRETS.join(', ')} from AWS SSM (/artilleryio/<NAME>) in the workers' region`);
    const forwarded = FORWARDED_VARIABLES.filter((n) => env[n]?.trim()).map((n) => ({ name: n, value: (env[n] as string).trim() }));
    if (flagIn(extra, ['--launch-config']) && forwarded.length) {
      throw new UsageError(`--launch-config is set by this script here (it forwards ${forwarded.map((f) => f.name).join(', ')}): use --cpu and --memory`);
    }
    if (forwarded.length) args.push('--launch-config', JSON.stringify({ environment: forwarded }));
  }
  if (platform === 'lambda') {
    if (memory !== undefined) args.push('--memory-size', String(memory));
    const needs = settings.dialect === 'v1' ? ['LUNEO_EMAIL', 'LUNEO_PASSWORD'] : FLOWS[scenario].seedNeedsApiKey ? ['API_KEY'] : [];
    // Each worker's before hook checks the guard against its own share (the luneoStages it is given).
    if (settings.guarded && peakConcurrency(scaleStages(stages, divisor)) > UNGUARDED_PEAK) needs.push(CONFIRM_VARIABLE);
    const dotenv = valueOf(extra, ['--dotenv']);
    if (needs.length && dotenv === undefined) {
      throw new UsageError(
        `Lambda workers get variables only from a --dotenv file, which Artillery uploads with the test bundle: ${needs.join(', ')} would be missing. ` +
          'Use --platform fargate (secrets from AWS SSM), or accept the upload with -- --dotenv FILE',
      );
    }
    if (dotenv !== undefined) {
      const file = path.resolve(dotenv);
      if (!existsSync(file)) throw new UsageError(`--dotenv ${dotenv}: no such file`);
      const names = dotenvNames(file);
      const missing = needs.filter((n) => !names.has(n));
      if (missing.length) throw new UsageError(`--dotenv ${dotenv} does not define ${missing.join(', ')}, which the Lambda workers need`);
      warnings.push(`${dotenv} is uploaded to S3 with the test bundle: keep that bucket private and rotate what the file holds if it leaks`);
    }
    const unforwarded = FORWARDED_VARIABLES.filter((n) => env[n]?.trim() && !(dotenv !== undefined && dotenvNames(path.resolve(dotenv)).has(n)));
    if (unforwarded.length) warnings.push(`${unforwarded.join(', ')} set here do not reach Lambda workers: put them in the --dotenv file`);
  }
  if (profileEnv !== undefined || shape !== undefined || divisor > 1) {
    args.push('--overrides', overridesFor(stages, divisor > 1 ? `${profile.name}/${divisor}` : profile.name, divisor));
  }
  if (record) {
    args.push('--record');
    notes.push('recording to Artillery Cloud with ARTILLERY_CLOUD_API_KEY from the environment');
  }
  let aggregateFile: string | undefined;
  if (distributed) {
    const given = valueOf(extra, ['-o', '--output']);
    aggregateFile = path.resolve(given ?? path.join(resultsDir(env), `${scenario}-artillery-aggregate.json`));
    if (given === undefined) args.push('-o', path.relative(ROOT, aggregateFile));
    notes.push(`Artillery's combined aggregate goes to ${path.relative(ROOT, aggregateFile)}; the verdict, results and reports are computed from it at the end`);
  }
  args.push(...extra, path.relative(ROOT, scenarioFileOf(scenario)));
  const plan: LoadPlan = { scenario, environment, platform, settings, profileName: profile.name, stages, divisor, args, notes, warnings, dryRun };
  if (aggregateFile) plan.aggregateFile = aggregateFile;
  return plan;
}

/** parse → check → build: the whole plan of `npm run load`, or a UsageError with one line. */
export function planLoad(argv: readonly string[], env: Env = process.env): LoadPlan {
  const request = parseLoadArgs(argv, env);
  return buildLoadPlan(request, checkLoad(request, env), env);
}

export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_/.:=@%+,-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The command as the operator can paste it (npx puts the project's Node 22 first on PATH), secrets masked. */
export function displayCommand(args: readonly string[], env: Env = process.env): string {
  return redact(['npx', 'artillery', ...args].map(shellQuote).join(' '), secretsFromEnv(env));
}

function run(plan: LoadPlan): Promise<number> {
  const childEnv: Record<string, string | undefined> = { ...process.env, ARTILLERY_DISABLE_TELEMETRY: process.env.ARTILLERY_DISABLE_TELEMETRY ?? '1' };
  // A distributed run is observed here, once: neither the orchestrator nor a worker gets the sources.
  if (plan.aggregateFile) for (const name of OBSERVE_SECRET_VARIABLES) delete childEnv[name];
  // Artillery's workers and helpers spawn `node`: the project's Node 22 must come first.
  childEnv.PATH = `${path.join(ROOT, 'node_modules', '.bin')}${path.delimiter}${childEnv.PATH ?? ''}`;
  const child = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'artillery', 'bin', 'run'), ...plan.args], { cwd: ROOT, env: childEnv, stdio: 'inherit' });
  // Ctrl-C reaches Artillery too (same process group): wait for it to finish its report instead of dying first.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  return new Promise((resolve) => {
    child.on('error', (err) => {
      console.error(`load: could not start artillery: ${err.message}`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1)));
  });
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let plan: LoadPlan;
  try {
    plan = planLoad(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`load: ${redact(err.message)}`);
      return EXIT.config;
    }
    throw err;
  }
  for (const n of plan.notes) console.log(`load: ${n}`);
  for (const w of plan.warnings) console.error(`load: warning: ${w}`);
  const command = displayCommand(plan.args);
  if (plan.dryRun) {
    console.log('load: dry run, nothing was started; the command:');
    console.log(command);
    return 0;
  }
  console.log(`load: ${command}`);
  if (plan.aggregateFile) mkdirSync(path.dirname(plan.aggregateFile), { recursive: true });
  const observer = plan.aggregateFile ? await observeFromLauncher(plan) : undefined;
  const code = await run(plan);
  const server = await observer?.stop();
  return plan.aggregateFile ? finishDistributed(plan, plan.aggregateFile, code, server, plan.settings.observe.thresholds) : code;
}

/**
 * A Fargate or Lambda run is observed from the launcher, the one process
 * that sees the whole run: its workers are many and far from the server's
 * sources. Only the sources the observe variables switch on (the
 * platform's /metrics is read by a local run's main thread).
 */
async function observeFromLauncher(plan: LoadPlan): Promise<Observer | undefined> {
  if (!OBSERVE_SECRET_VARIABLES.some((name) => process.env[name]?.trim())) return undefined;
  // The settings planLoad read (the scenario's environments/), not a second read from the working directory.
  const { observeSources } = await import('../src/observe/sources/index.ts');
  const sources = observeSources(plan.settings.observe, process.env);
  if (sources.length === 0) return undefined;
  const secrets = secretsFromEnv();
  const observer = new Observer({ sources, log: (line) => console.log(`load: ${redact(line, secrets)}`), redact: (t) => redact(t, secrets) });
  console.log(`load: observing the server: ${sources.map((s) => `${s.name} (${s.target})`).join(', ')}`);
  void observer.start();
  return observer;
}

/** The verdict of a Fargate or Lambda run, from Artillery's combined aggregate: the same as a local run's. */
export async function finishDistributed(plan: LoadPlan, aggregateFile: string, artilleryCode: number, server?: ServerSection, serverThresholds?: ServerThresholds): Promise<number> {
  if (!existsSync(aggregateFile)) {
    console.error(`load: Artillery wrote no aggregate (${path.relative(ROOT, aggregateFile)}; it exited ${artilleryCode}): no verdict`);
    return artilleryCode === 0 ? EXIT.slo_failed : artilleryCode;
  }
  try {
    const loaded = readResultsFile(aggregateFile);
    const l = loaded.results.luneo;
    l.scenario = plan.scenario;
    if (server) l.server = server;
    if (serverThresholds) {
      // The server thresholds are judged here, where the server was observed: the verdict is made again with them.
      l.checks = [...l.checks, ...checkRows(serverChecks(serverThresholds, server, holdWindow(loaded.results.intermediate)), loaded.results.aggregate)];
      l.verdict = rejudge(l, {});
    }
    const code = await writeResults(judgeRun(loaded.results, resultsDir(process.env)), resultsFile(plan.scenario));
    if (code !== artilleryCode) console.log(`load: Artillery (ensure in the orchestrator) exited ${artilleryCode}; the verdict's exit code is ${code}`);
    return code;
  } catch (err) {
    if (err instanceof ReportInputError) {
      console.error(`load: ${err.message}`);
      return EXIT.config;
    }
    throw err;
  }
}

if (import.meta.main ?? process.argv[1] === import.meta.filename) process.exitCode = await main();

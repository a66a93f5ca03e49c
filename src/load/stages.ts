/**
 * Stages in one syntax, DURATION:USERS (`2m:1000`, `90s:0`): on the command
 * line, as k6 takes them (`--stage 2m:1000`, repeated, or `--vus 1000
 * --duration 2m`), and on their way from the scenario YAML to the
 * processors as one string variable (`luneoStages: "2m:1000 5m:5000"`:
 * Artillery treats a list-valued variable as a set to pick from, so a list
 * cannot carry them). Pure parsing into the stages the named profiles use,
 * so the load model, the worker division and the production guard apply
 * unchanged.
 */
import { peakConcurrency, type Profile, type Stage, validateStages } from './model.ts';

export class StageSyntaxError extends Error {
  override name = 'StageSyntaxError';
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** Above this many arrivals a second Artillery's arrival timer busy-waits (see the README's load model). */
export const MAX_RAMP_ARRIVALS_PER_S = 40;
/** The ramp-up of `--vus/--duration` is about this share of the duration. */
const RAMP_SHARE = 0.1;

/** `90s`, `2m`, `1h30m`, `1m30s`: whole numbers, each with its unit. */
export function parseDuration(text: string, what = 'duration'): number {
  const t = text.trim();
  if (!/^(\d+[smh])+$/.test(t)) {
    throw new StageSyntaxError(`${what} "${text}" is not a duration: use whole numbers with s, m or h (90s, 2m, 1h30m)`);
  }
  let seconds = 0;
  for (const m of t.matchAll(/(\d+)([smh])/g)) seconds += Number(m[1]) * (UNIT_SECONDS[m[2] as string] as number);
  if (seconds <= 0) throw new StageSyntaxError(`${what} "${text}" must be longer than 0 s`);
  return seconds;
}

function parseUsers(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw new StageSyntaxError(`${what} "${text}" is not a whole number of users`);
  return Number(text.trim());
}

/** One `--stage DURATION:USERS` value, e.g. `2m:1000`. */
export function parseStage(text: string): Stage {
  const parts = text.split(':');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw new StageSyntaxError(`--stage "${text}" is not DURATION:USERS (e.g. --stage 2m:1000)`);
  }
  return { duration: parseDuration(parts[0] as string, `--stage "${text}": duration`), target: parseUsers(parts[1] as string, `--stage "${text}": users`) };
}

function checked(stages: Stage[], source: string): Stage[] {
  const problems = validateStages(stages);
  if (problems.length) throw new StageSyntaxError(`${source}: ${problems.join('; ')}`);
  if (peakConcurrency(stages) === 0) throw new StageSyntaxError(`${source}: no stage asks for any user (every target is 0)`);
  return stages;
}

export function parseStages(values: readonly string[]): Stage[] {
  if (values.length === 0) throw new StageSyntaxError('--stage needs at least one DURATION:USERS');
  return checked(values.map(parseStage), '--stage');
}

/** A named profile in the same syntax, as the flows declare theirs: `profile('smoke', '…', '5s:20 15s:20 5s:0')`. */
export function profile(name: string, description: string, stages: string): Profile {
  return { name, description, stages: checked(stages.trim().split(/\s+/).map(parseStage), `profile ${name}`) };
}

/**
 * The ramp-up `--vus N --duration D` starts with: a tenth of D, at least
 * 1 s and long enough to keep arrivals at or under 40 a second, at most
 * half of D. Users arrive once and stay (the load model), so arriving all
 * in the first second would be a burst no profile asks for.
 */
export function rampUpSeconds(users: number, duration: number): number {
  const wanted = Math.max(1, Math.round(duration * RAMP_SHARE), Math.ceil(users / MAX_RAMP_ARRIVALS_PER_S));
  return Math.max(1, Math.min(wanted, Math.floor(duration / 2)));
}

/** `--vus N --duration D`: a short ramp-up to N, then N held for the rest of D (the run lasts D). */
export function vusStages(vusText: string, durationText: string): Stage[] {
  const users = parseUsers(vusText, '--vus');
  if (users < 1) throw new StageSyntaxError('--vus must be at least 1');
  const duration = parseDuration(durationText, '--duration');
  if (duration < 2) throw new StageSyntaxError(`--duration ${durationText} is too short: at least 2s (a ramp-up and a hold)`);
  const ramp = rampUpSeconds(users, duration);
  return checked(
    [
      { duration: ramp, target: users },
      { duration: duration - ramp, target: users },
    ],
    '--vus/--duration',
  );
}

/** `2m` / `90s` / `1h` as written back for people. */
export function formatDuration(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

export function describeStages(stages: readonly Stage[]): string {
  return stages.map((s) => `${formatDuration(s.duration)}:${s.target}`).join(' ');
}

/** The stages as the scenario variable `luneoStages` carries them: the same syntax, space-separated. */
export function encodeStages(stages: readonly Stage[]): string {
  return describeStages(stages);
}

export function decodeStages(text: unknown): Stage[] {
  if (typeof text !== 'string' || text.trim() === '') throw new Error('luneoStages is missing from the scenario variables (run npm run profiles)');
  const stages = text
    .trim()
    .split(/\s+/)
    .map((part) => {
      // Results files written before the one syntax carry bare seconds ("120:1000"): still read, never written.
      const legacy = /^(\d+):(\d+)$/.exec(part);
      if (legacy) return { duration: Number(legacy[1]), target: Number(legacy[2]) };
      try {
        return parseStage(part);
      } catch {
        throw new Error(`luneoStages: "${part}" is not DURATION:USERS (e.g. 2m:1000)`);
      }
    });
  const problems = validateStages(stages);
  if (problems.length) throw new Error(`luneoStages: ${problems.join('; ')}`);
  return stages;
}

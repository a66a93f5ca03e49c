/**
 * One Artillery run, watched from outside: its CPU as the kernel counted it
 * (bash's `times` after the process was reaped: every thread, nothing
 * lost between the last sample and the exit), its RSS and CPU over time,
 * when each phase started and ended, and the results file the luneo
 * plugin wrote.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { ResultsFile } from '../../src/results/recorder.ts';
import { spawnBounded } from './children.ts';
import { machineCpu, parseBashTimes, processCpuSeconds, processRssKb, threadCpuSeconds } from './proc.ts';

export interface Sample {
  /** epoch ms */
  at: number;
  /** Artillery process CPU seconds so far */
  cpu?: number;
  rssKb?: number;
  /** sandbox process CPU seconds so far */
  sandboxCpu?: number;
  /** whole machine busy CPU seconds since boot */
  machineBusy?: number;
  /** Artillery's threads: thread id → CPU seconds so far */
  threads?: Record<number, number>;
}

export interface PhaseEvent {
  at: number;
  kind: 'started' | 'completed';
  index: number;
  name: string;
}

export interface ArtilleryJob {
  label: string;
  /** arguments after `artillery run` */
  args: string[];
  env: NodeJS.ProcessEnv;
  resultsFile: string;
  timeoutMs: number;
  /** also sample this process's CPU (the sandbox) */
  sandboxPid?: number;
  sampleEveryMs?: number;
}

export interface ArtilleryOutcome {
  label: string;
  code: number | null;
  timedOut: boolean;
  wallSeconds: number;
  /** user + system seconds of the Artillery process, all threads, from start-up to exit */
  cpuSeconds?: number;
  cpuUser?: number;
  cpuSys?: number;
  pid?: number;
  samples: Sample[];
  phases: PhaseEvent[];
  results?: ResultsFile;
  outputTail: string;
}

// Artillery runs as a background job of bash so that its pid is known at once
// (for the samples) and `times` reports its CPU after it was reaped. fd 3 is
// the bench's channel; Artillery itself does not get it.
const WRAPPER = [
  'ulimit -n "$(ulimit -Hn)" 2>/dev/null',
  '"$@" 3>&- &',
  'child=$!',
  'echo "pid $child" >&3',
  'wait "$child"',
  'rc=$?',
  'times >&3',
  'exit $rc',
].join('\n');

const PHASE_LINE = /^Phase (started|completed): (.*) \(index: (\d+), duration: [^)]*\)/;

export function artilleryBin(root: string): string {
  return path.join(root, 'node_modules', 'artillery', 'bin', 'run');
}

export async function runArtilleryJob(root: string, job: ArtilleryJob): Promise<ArtilleryOutcome> {
  const started = Date.now();
  const run = spawnBounded(
    'bash',
    ['-c', WRAPPER, 'artillery-bench', process.execPath, artilleryBin(root), 'run', ...job.args],
    { cwd: root, env: job.env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
    job.timeoutMs,
  );
  const out: string[] = [];
  const phases: PhaseEvent[] = [];
  const onLine = (line: string): void => {
    out.push(line);
    if (out.length > 400) out.shift();
    const m = PHASE_LINE.exec(line.trim());
    if (m) phases.push({ at: Date.now(), kind: m[1] === 'started' ? 'started' : 'completed', index: Number(m[3]), name: m[2] ?? '' });
  };
  if (run.child.stdout) createInterface({ input: run.child.stdout }).on('line', onLine);
  if (run.child.stderr) createInterface({ input: run.child.stderr }).on('line', onLine);

  let pid: number | undefined;
  let control = '';
  const channel = run.child.stdio[3];
  let channelClosed: Promise<void> = Promise.resolve();
  if (channel && 'on' in channel) {
    channelClosed = new Promise((resolve) => channel.once('close', () => resolve()));
    channel.on('data', (b: Buffer) => {
      control += b.toString();
      const m = /^pid (\d+)$/m.exec(control);
      if (m && pid === undefined) pid = Number(m[1]);
    });
  }

  const samples: Sample[] = [];
  const every = job.sampleEveryMs ?? 250;
  const sampler = setInterval(() => {
    if (pid === undefined) return;
    const s: Sample = { at: Date.now() };
    const cpu = processCpuSeconds(pid);
    if (cpu !== undefined) s.cpu = cpu;
    const threads = threadCpuSeconds(pid);
    if (threads) s.threads = threads;
    const rss = processRssKb(pid);
    if (rss !== undefined) s.rssKb = rss;
    if (job.sandboxPid !== undefined) {
      const sc = processCpuSeconds(job.sandboxPid);
      if (sc !== undefined) s.sandboxCpu = sc;
    }
    const m = machineCpu();
    if (m) s.machineBusy = m.busy;
    samples.push(s);
  }, every);

  const exit = await run.exited;
  clearInterval(sampler);
  // The control channel may still hold the `times` lines when the exit event fires.
  await Promise.race([channelClosed, new Promise((r) => setTimeout(r, 2000).unref())]);
  const times = parseBashTimes(control);
  const outcome: ArtilleryOutcome = {
    label: job.label,
    code: exit.code,
    timedOut: exit.timedOut,
    wallSeconds: (Date.now() - started) / 1000,
    samples,
    phases,
    outputTail: out.slice(-60).join('\n'),
  };
  if (pid !== undefined) outcome.pid = pid;
  if (times && !exit.timedOut) {
    outcome.cpuUser = times.user;
    outcome.cpuSys = times.sys;
    outcome.cpuSeconds = times.user + times.sys;
  }
  try {
    outcome.results = JSON.parse(readFileSync(job.resultsFile, 'utf8')) as ResultsFile;
  } catch {
    // no results: the caller reports the run as failed, with the output tail
  }
  return outcome;
}

/** CPU seconds of a series between two instants, linearly interpolated between samples. */
export function valueAt(samples: readonly Sample[], at: number, pick: (s: Sample) => number | undefined): number | undefined {
  let before: { at: number; v: number } | undefined;
  for (const s of samples) {
    const v = pick(s);
    if (v === undefined) continue;
    if (s.at <= at) before = { at: s.at, v };
    else {
      if (!before) return undefined;
      return before.v + ((v - before.v) * (at - before.at)) / (s.at - before.at);
    }
  }
  return undefined;
}

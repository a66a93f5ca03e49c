/**
 * Every process the bench starts goes through here: each in its own
 * process group (so that a timeout also ends whatever it started), each
 * with a deadline, and all of them stopped when the bench ends, however it
 * ends. A benchmark on a shared machine must not leave load behind.
 */
import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';

const live = new Set<ChildProcess>();
const GRACE_MS = 3000;

/** Negative pid: the whole group the child leads, e.g. bash and the Artillery it started. */
function killGroup(pgid: number | undefined, signal: NodeJS.Signals): void {
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is empty
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  killGroup(child.pid, signal);
}

/** SIGTERM to the group, SIGKILL after a grace period if it is still there. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => signalGroup(child, 'SIGKILL'), GRACE_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      // The leader is gone; anything left in its group goes too.
      killGroup(child.pid, 'SIGKILL');
      resolve();
    });
    signalGroup(child, 'SIGTERM');
  });
}

export interface Bounded {
  child: ChildProcess;
  /** resolves when the process has exited (by itself or killed) */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }>;
}

/** Starts `command` in its own process group; past `timeoutMs` it is stopped and reported as timed out. */
export function spawnBounded(command: string, args: readonly string[], options: SpawnOptions, timeoutMs: number): Bounded {
  const child = spawn(command, args, { ...options, detached: true });
  live.add(child);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopChild(child);
  }, timeoutMs);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }>((resolve) => {
    child.once('error', () => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code: null, signal: null, timedOut });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      // Whatever the leader left behind in its group (e.g. a bundler service) goes with it.
      killGroup(child.pid, 'SIGKILL');
      resolve({ code, signal, timedOut });
    });
  });
  return { child, exited };
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => stopChild(c)));
}

/** Last resort on the way out: no awaiting possible, so straight to SIGKILL. */
function killAllNow(): void {
  for (const c of live) signalGroup(c, 'SIGKILL');
}

let installed = false;

/** Ctrl-C, SIGTERM, an uncaught error: the children die with the bench. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping child processes\n`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}

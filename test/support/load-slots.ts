/**
 * The test runner runs several test files at once (`--test-concurrency`):
 * most load runs are a few users who mostly wait, and run side by side.
 * A few tests measure the generator itself (the overload and the healthy
 * peak of generator-health): those need the machine to themselves. Every
 * heavy child a test starts (Artillery, the load script, Chromium) holds a
 * slot of a readers-writer lock shared by all test files of one
 * `node --test` run: "shared" slots run together, an "exclusive" one waits
 * for them to finish and keeps new ones out until it is done.
 *
 * The lock is a directory of files named for their holders' pids, so a
 * holder that died (killed test file) is cleared instead of blocking the
 * suite. Every holder's run is bounded (runArtillery and the operator
 * tests kill theirs past a time limit), so every wait ends.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type SlotKind = 'shared' | 'exclusive';

/** One lock per `node --test` run: its test files are the runner's children. */
const DIR = path.join(os.tmpdir(), `luneo-test-slots-${process.env.LUNEO_TEST_SLOTS_ID ?? process.ppid}`);
const WRITER = path.join(DIR, 'exclusive');
const POLL_MS = 200;
let sequence = 0;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderPid(file: string): number {
  try {
    return Number.parseInt(readFileSync(file, 'utf8'), 10);
  } catch {
    return Number.NaN;
  }
}

/** Removes the files of holders that died without releasing, so they do not block the others. */
function clearDead(): void {
  for (const name of readdirSync(DIR)) {
    const file = path.join(DIR, name);
    const pid = holderPid(file);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) remove(file);
  }
}

const readers = (): string[] => readdirSync(DIR).filter((n) => n.startsWith('shared-'));

function tryCreate(file: string): boolean {
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

function remove(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already cleared, by its holder or by another waiter
  }
}

/** Waits for a slot and returns the function that gives it back. */
export async function acquireSlot(kind: SlotKind): Promise<() => void> {
  mkdirSync(DIR, { recursive: true });
  if (kind === 'exclusive') {
    // Claim the writer's place first, so that no new shared slot starts, then wait for the running ones.
    while (!tryCreate(WRITER)) {
      clearDead();
      await sleep(POLL_MS);
    }
    while (readers().length > 0) {
      clearDead();
      await sleep(POLL_MS);
    }
    return () => remove(WRITER);
  }
  const mine = path.join(DIR, `shared-${process.pid}-${sequence++}`);
  for (;;) {
    clearDead();
    if (!existsSync(WRITER)) {
      writeFileSync(mine, String(process.pid));
      // A writer that claimed its place meanwhile goes first: step back and wait.
      if (!existsSync(WRITER)) return () => remove(mine);
      remove(mine);
    }
    await sleep(POLL_MS);
  }
}

export async function withSlot<T>(kind: SlotKind, fn: () => Promise<T>): Promise<T> {
  const release = await acquireSlot(kind);
  try {
    return await fn();
  } finally {
    release();
  }
}

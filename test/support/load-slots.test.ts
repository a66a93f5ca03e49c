/**
 * The suite's readers-writer lock between test files: shared slots go
 * together, an exclusive one waits for them and keeps new ones out, and a
 * holder that died does not block anybody. Each case uses its own lock
 * (LUNEO_TEST_SLOTS_ID, read when the module loads: hence one child per case).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

const MODULE = path.join(import.meta.dirname, 'load-slots.ts');

/** Runs `body` (with `acquireSlot`, `withSlot`, `log` in scope) in a fresh Node with its own lock; returns what it logged. */
function inChild(id: string, body: string): Promise<string[]> {
  const code = `import { acquireSlot, withSlot } from ${JSON.stringify(MODULE)};
import { setTimeout as sleep } from 'node:timers/promises';
const log = (s) => console.log(s);
${body}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { env: { ...process.env, LUNEO_TEST_SLOTS_ID: id }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      if (status === 0) resolve(out.trim().split('\n'));
      else reject(new Error(`child exited ${status}: ${out}`));
    });
  });
}

const ids: string[] = [];
const freshId = (): string => {
  const id = `unit-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  ids.push(id);
  return id;
};
after(() => {
  for (const id of ids) rmSync(path.join(os.tmpdir(), `luneo-test-slots-${id}`), { recursive: true, force: true });
});

test('shared slots run together; an exclusive one waits until they are done, and later shared ones wait for it', async () => {
  const lines = await inChild(
    freshId(),
    `const a = withSlot('shared', async () => { log('a in'); await sleep(300); log('a out'); });
const b = withSlot('shared', async () => { log('b in'); await sleep(300); log('b out'); });
await sleep(50);
const x = withSlot('exclusive', async () => { log('x in'); await sleep(300); log('x out'); });
await sleep(50);
const c = withSlot('shared', async () => { log('c in'); log('c out'); });
await Promise.all([a, b, x, c]);`,
  );
  assert.deepEqual(lines.slice(0, 2).sort(), ['a in', 'b in'], 'both shared slots went at once');
  const at = (s: string) => lines.indexOf(s);
  assert.ok(at('x in') > at('a out') && at('x in') > at('b out'), `the exclusive slot waited for the shared ones: ${lines.join(', ')}`);
  assert.ok(at('c in') > at('x out'), `a shared slot asked for while the exclusive one waited went after it: ${lines.join(', ')}`);
});

test('a holder that died without releasing is cleared instead of blocking the suite', async () => {
  const id = freshId();
  const dir = path.join(os.tmpdir(), `luneo-test-slots-${id}`);
  mkdirSync(dir, { recursive: true });
  // A pid that is not running: far above any real one.
  writeFileSync(path.join(dir, 'exclusive'), '999999999');
  writeFileSync(path.join(dir, 'shared-999999999-0'), '999999999');
  const lines = await inChild(id, `const release = await acquireSlot('exclusive'); log('got it'); release();
await withSlot('shared', async () => log('and shared'));`);
  assert.deepEqual(lines, ['got it', 'and shared']);
});

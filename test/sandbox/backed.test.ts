/**
 * The backed sandbox's start against services that are not there: one
 * line and a non-zero exit, never a hang on a reconnecting client (the
 * backed routes themselves are tested against real PostgreSQL and Redis in
 * test/integration/server-view.test.ts and diagnosis.test.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

const CLI = path.resolve(import.meta.dirname, '..', '..', 'sandbox', 'cli.ts');

function start(env: Record<string, string>, ...args: string[]) {
  return spawnSync(process.execPath, [CLI, '--port', '0', '--widget-port', '0', ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
}

describe('npm run sandbox -- --backed', () => {
  it('without its URLs: exit 2 and what to set', () => {
    const r = start({ LUNEO_SANDBOX_POSTGRES_URL: '', LUNEO_SANDBOX_REDIS_URL: '' }, '--backed');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^sandbox: --backed needs LUNEO_SANDBOX_POSTGRES_URL and LUNEO_SANDBOX_REDIS_URL/);
  });

  it('Redis not there: exit 1 with one line, not a reconnecting client for ever', () => {
    const r = start({ LUNEO_SANDBOX_POSTGRES_URL: 'postgresql://u:secret-pw-1@127.0.0.1:1/db', LUNEO_SANDBOX_REDIS_URL: 'redis://127.0.0.1:1' }, '--backed');
    assert.equal(r.signal, null, 'ended by itself');
    assert.equal(r.status, 1);
    assert.deepEqual(r.stderr.trim().split('\n'), ['sandbox: cannot start: the backed sandbox could not reach Redis at LUNEO_SANDBOX_REDIS_URL: connect ECONNREFUSED 127.0.0.1:1']);
  });

  it('--pool-size and --query-ms need --backed', () => {
    for (const flag of ['--pool-size', '--query-ms']) {
      const r = start({}, flag, '3');
      assert.equal(r.status, 2);
      assert.match(r.stderr, new RegExp(`^sandbox: ${flag} needs --backed`));
    }
  });
});

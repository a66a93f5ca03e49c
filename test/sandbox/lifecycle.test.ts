import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { startSandbox } from '../../sandbox/index.ts';

const CLI = resolve(import.meta.dirname, '../../sandbox/cli.ts');
const STOP_FIXTURE = resolve(import.meta.dirname, 'fixtures/stop-exits.ts');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a Node script; kills it (and fails the run) if it outlives the timeout. */
function run(args: string[], timeoutMs: number, onStdout?: (text: string, kill: (signal: NodeJS.Signals) => void) => void): Promise<Run> {
  return new Promise((done) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout, (signal) => child.kill(signal));
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe('stop()', () => {
  test('leaves no open handles: the process exits by itself', async () => {
    const r = await run([STOP_FIXTURE], 8000);
    assert.equal(r.signal, null, `had to be killed; stderr: ${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /stopped, held request closed/);
  });

  test('a port in use rejects startSandbox and leaves nothing listening', async () => {
    const first = await startSandbox();
    try {
      const port = Number(new URL(first.apiUrl).port);
      await assert.rejects(startSandbox({ apiPort: port }), { code: 'EADDRINUSE' });
      await assert.rejects(startSandbox({ host: '0.0.0.0' }), /not a loopback address/);
    } finally {
      await first.stop();
    }
  });
});

describe('cli', () => {
  test('--help exits 0 with the usage', async () => {
    const r = await run([CLI, '--help'], 8000);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: /);
    assert.match(r.stdout, /--rate-limit N\/SECONDS/);
  });

  test('--port abc exits 2 with a one-line error, no stack trace', async () => {
    const r = await run([CLI, '--port', 'abc'], 8000);
    assert.equal(r.code, 2);
    const [first, second] = r.stderr.split('\n');
    assert.match(first!, /^sandbox: --port must be an integer/);
    assert.equal(second, '');
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test('a port in use exits 1 with a clear message', async () => {
    const sb = await startSandbox();
    try {
      const r = await run([CLI, '--port', new URL(sb.apiUrl).port, '--widget-port', '0'], 8000);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /already in use/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    } finally {
      await sb.stop();
    }
  });

  test('prints the banner, serves, and stops cleanly on SIGTERM', async () => {
    let apiUrl = '';
    let signalled = false;
    const r = await run([CLI, '--port', '0', '--widget-port', '0', '--rate-limit', '100/60', '--faults', '{"errors":{"embed.token":0}}'], 8000, (out, kill) => {
      const m = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m && !signalled) {
        signalled = true;
        apiUrl = m[1]!;
        fetch(`${apiUrl}/health`)
          .then((res) => assert.equal(res.status, 200))
          .finally(() => kill('SIGTERM'));
      }
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(apiUrl);
    for (const part of ['Widget', 'sandbox-api-key', 'loadtest@luneo.local', 'sandbox-password', '/__admin/faults', 'Ctrl+C', '100 requests per 60 s']) {
      assert.ok(r.stdout.includes(part), part);
    }
    assert.match(r.stdout, /stopped/);
  });
});

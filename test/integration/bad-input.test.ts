/**
 * What an operator gets wrong: each mistake ends the run before any load
 * with exit code 2 and one message that says what to do; secrets never
 * appear in what a run prints or writes.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { ArtilleryRunResult } from '../../scripts/artillery-run.ts';
import { loadRun, tail, withSandbox } from '../support/load-run.ts';

/** A loopback port with nobody listening. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function assertRefused(r: { code: number | null; output: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, r.output.slice(-2000));
  assert.match(r.output, pattern);
  assert.doesNotMatch(r.output, /\n\s+at .+\(.*:\d+:\d+\)/, 'no stack trace');
  assert.doesNotMatch(r.output, /Phase started/, 'no load started');
}

// Each test has its own sandbox (or none): three at a time.
describe('bad input stops the run before any load', { concurrency: 3 }, () => {
  test('no environment chosen', async () => {
    assertRefused(await loadRun({ scenario: 'embed', environment: '', stages: null }), /no environment chosen: add -e with one of local, ci, staging, prod/);
  });

  test('an unknown environment', async () => {
    assertRefused(await loadRun({ scenario: 'render', environment: 'nope', stages: null }), /unknown environment "nope": choose one of local, ci, staging, prod/);
  });

  test('a malformed BASE_URL', async () => {
    assertRefused(await loadRun({ scenario: 'embed', stages: null, env: { BASE_URL: 'api.luneo.app' } }), /BASE_URL is not a URL: "api\.luneo\.app"/);
  });

  test('an unreachable BASE_URL', async () => {
    const port = await closedPort();
    const r = await loadRun({ scenario: 'embed', stages: null, env: { BASE_URL: `http://127.0.0.1:${port}`, WIDGET_URL: `http://127.0.0.1:${port}` } });
    assertRefused(r, new RegExp(`BASE_URL http://127\\.0\\.0\\.1:${port} is unreachable \\(ECONNREFUSED`));
  });

  test('a BASE_URL that answers a web page instead of JSON', async () => {
    const page = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome</body></html>');
    });
    await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
      assertRefused(await loadRun({ scenario: 'render', stages: null, env: { BASE_URL: url, WIDGET_URL: url } }), /did not answer JSON .*BASE_URL must be the API/);
    } finally {
      page.closeAllConnections();
      await new Promise<void>((r) => page.close(() => r()));
    }
  });

  test('v1 credentials the API refuses', async () => {
    await withSandbox({}, async (sb) => {
      const r = await loadRun({ scenario: 'embed', sandbox: sb, dialect: 'v1', stages: null, env: { LUNEO_EMAIL: 'loadtest@luneo.local', LUNEO_PASSWORD: 'wrong-password-123' } });
      assertRefused(r, /login failed: .*refused the credentials \(HTTP 401\)\. Check LUNEO_EMAIL and LUNEO_PASSWORD/);
      assert.doesNotMatch(r.output, /wrong-password-123/);
    });
  });

  test('the full profile against production needs an explicit confirmation, and nothing is sent without it', async () => {
    await withSandbox({}, async (sb) => {
      // prod's own environment file, pointed at the sandbox so that nothing could leave this machine
      const r = await loadRun({ scenario: 'embed', sandbox: sb, environment: 'prod', stages: null, env: { LUNEO_DIALECT: 'seed' } });
      assertRefused(r, /refusing to send 10,000 concurrent users to prod \(127\.0\.0\.1\) without confirmation\. Nothing was sent\. To confirm, run again with LUNEO_CONFIRM_FULL_LOAD=127\.0\.0\.1/);
      assert.equal(sb.stats().requests.total, 0);
    });
  });
});

/**
 * Everything a run leaves for people and machines: the console and every
 * file in its results directory (results JSON, HTML report, Markdown
 * summary, JUnit, and whatever else lands there).
 */
function everythingWritten(r: ArtilleryRunResult): { name: string; text: string }[] {
  const dir = path.dirname(r.resultsPath);
  // The run history (history/ beside the results) included.
  const files = (readdirSync(dir, { recursive: true }) as string[])
    .filter((name) => statSync(path.join(dir, name)).isFile())
    .map((name) => ({ name, text: readFileSync(path.join(dir, name), 'utf8') }));
  assert.ok(files.some((f) => f.name.startsWith(`history${path.sep}`)), `the run history written: ${files.map((f) => f.name).join(', ')}`);
  assert.ok(['.json', '.html', '.md', '.junit.xml'].every((ext) => files.some((f) => f.name.endsWith(ext))), `results, report, summary and JUnit written: ${files.map((f) => f.name).join(', ')}`);
  return [{ name: 'console', text: r.output }, ...files];
}

/**
 * A secret is found in any encoding a writer may give it (JSON, HTML, XML
 * escape its quotes and backslashes differently): by its distinctive pieces
 * between those characters, each long enough to be the secret's own.
 */
function assertAbsent(written: readonly { name: string; text: string }[], secret: string, what: string): void {
  const pieces = secret.split(/["'\\\s]+/).filter((p) => p.length >= 6);
  assert.ok(pieces.length > 0, `${what}: a secret with pieces to look for`);
  for (const { name, text } of written) {
    for (const piece of pieces) assert.ok(!text.includes(piece), `${what} (${piece}) in ${name}`);
  }
}

const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./;

/** Past every latency threshold of either flow (p99 < 1000 ms at most): the runs below FAIL, exit 1, on a quiet machine and a busy one alike. */
const SLOW_MS = 1100;

describe('secrets stay out of output and results', { concurrency: 2 }, () => {
  test('seed API key with a quote, a backslash and a trailing newline: not in the console nor any file the run writes', async () => {
    const key = `sk-"live\\4f9c2e7a'1b3d5f60`;
    // Enqueues held past their threshold: a FAIL on any machine, and a failed check's messages are written too.
    await withSandbox({ apiKeys: [key], faults: { latency: { 'render.enqueue': { fixedMs: SLOW_MS } } } }, async (sb) => {
      // As a secret store often hands it over: with a trailing newline, which the package trims before use.
      const r = await loadRun({ scenario: 'render', sandbox: sb, environment: 'staging', env: { API_KEY: `${key}\n` } });
      assert.equal(r.code, 1, tail(r));
      assert.ok(sb.stats().render.enqueued > 0, 'the key worked: the sandbox took renders');
      assertAbsent(everythingWritten(r), key, 'API key');
    });
  });

  test('v1 e-mail, password, access and refresh tokens, embed JWTs: not in the console nor any file the run writes', async () => {
    const email = 'ops-"quoted"@luneo.test';
    // A password is sent as it is set (it may end in a space); the e-mail, like the API key, is trimmed.
    const password = `correct"horse\\battery'staple`;
    await withSandbox({ users: [{ email, password, brandId: 'brand-1' }], accessTokenTtlSec: 3, faults: { latency: { 'embed.token': { fixedMs: SLOW_MS } } } }, async (sb) => {
      const r = await loadRun({ scenario: 'embed', sandbox: sb, dialect: 'v1', environment: 'staging', env: { LUNEO_EMAIL: `${email}\n`, LUNEO_PASSWORD: password } });
      assert.equal(r.code, 1, tail(r));
      assert.ok((sb.stats().requests.byRoute['auth.login']?.['200'] ?? 0) > 0, 'the password worked: the sandbox logged the user in');
      assert.ok(sb.stats().embed.tokensIssued > 0, 'embed JWTs were issued');
      const written = everythingWritten(r);
      assertAbsent(written, password, 'password');
      assertAbsent(written, email, 'e-mail');
      for (const { name, text } of written) assert.doesNotMatch(text, JWT, `no JWT (access, refresh or embed token) in ${name}`);
    });
  });
});

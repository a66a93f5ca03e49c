import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_BACKOFF } from '../../../src/api/backoff.ts';
import { ConfigError, environmentsDir, loadSettings, settingsFrom } from '../../../src/config/environments.ts';
import { DEFAULT_RATE_LIMIT_POLICY } from '../../../src/api/retry-after.ts';
import { abortEnabled, DEFAULT_ABORT } from '../../../src/verdict/abort.ts';
import { defaultDeployment } from '../../../src/api/dialect.ts';
import { settingsFor, vuSettingsOf } from '../../../src/user/vu-runtime.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
let dir = '';

function write(name: string, text: string): void {
  writeFileSync(path.join(dir, `${name}.yml`), text);
}

/** loadSettings for the `staging` file with the given YAML, or the ConfigError it throws. */
function staging(yaml: string, env: Record<string, string | undefined> = {}) {
  write('staging', yaml);
  return loadSettings('staging', dir, env);
}

function configError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.name, 'ConfigError');
    assert.match(err.message, pattern);
    return true;
  });
}

const MINIMAL = 'BASE_URL: https://api.example.test\nWIDGET_URL: https://widget.example.test\nDIALECT: v1\n';

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'luneo-env-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('loadSettings: a valid file', () => {
  it('reads the file and fills defaults', () => {
    const s = staging(`description: staging gate\n${MINIMAL}`);
    assert.equal(s.environment, 'staging');
    assert.equal(s.description, 'staging gate');
    assert.equal(s.baseUrl, 'https://api.example.test');
    assert.equal(s.widgetUrl, 'https://widget.example.test');
    assert.equal(s.dialect, 'v1');
    assert.equal(s.guarded, false);
    assert.equal(s.sandbox, false);
    assert.deepEqual(s.embed, { iframeDelayMs: { min: 0, max: 500 }, viewMs: { min: 1000, max: 3000 } });
    assert.deepEqual(s.render.mix, { '2d': 60, '3d': 30, ar: 10 });
    assert.deepEqual(s.render.thinkMs, { min: 1000, max: 4000 });
    assert.deepEqual(s.render.poll, DEFAULT_BACKOFF);
    assert.deepEqual(s.rateLimit, DEFAULT_RATE_LIMIT_POLICY);
  });

  it('the description defaults to the environment name', () => {
    assert.equal(staging(MINIMAL).description, 'staging');
  });

  it('reads flags, ranges, mix, poll and rate-limit settings', () => {
    const s = staging(
      `${MINIMAL}guarded: true\nsandbox: true\n` +
        'embed:\n  iframeDelayMs: [10, 20]\n  viewMs: [100, 100]\n' +
        'render:\n  mix: { 2d: 1, ar: 3 }\n  thinkMs: [0, 50]\n' +
        '  poll: { initialMs: 100, deadlineMs: 20000 }\nrateLimit: { maxRetries: 2 }\n',
    );
    assert.equal(s.guarded, true);
    assert.equal(s.sandbox, true);
    assert.deepEqual(s.embed.iframeDelayMs, { min: 10, max: 20 });
    assert.deepEqual(s.embed.viewMs, { min: 100, max: 100 });
    assert.deepEqual(s.render.mix, { '2d': 1, '3d': 0, ar: 3 });
    assert.deepEqual(s.render.thinkMs, { min: 0, max: 50 });
    // unnamed poll settings keep their defaults
    assert.deepEqual(s.render.poll, { ...DEFAULT_BACKOFF, initialMs: 100, deadlineMs: 20000 });
    assert.deepEqual(s.rateLimit, { ...DEFAULT_RATE_LIMIT_POLICY, maxRetries: 2 });
  });

  it("every worker gets the Retry-After policy, each flow's own section and the deployment, as its users read them", () => {
    const s = staging(`${MINIMAL}rateLimit: { maxRetries: 2 }\nembed:\n  viewMs: [100, 100]\nrender:\n  thinkMs: [0, 50]\n`);
    const worker = settingsFor({ luneoSettings: JSON.stringify(vuSettingsOf(s)) } as Parameters<typeof settingsFor>[0]);
    assert.deepEqual(worker.rateLimit, { ...DEFAULT_RATE_LIMIT_POLICY, maxRetries: 2 });
    assert.deepEqual(worker.embed.viewMs, { min: 100, max: 100 });
    assert.deepEqual(worker.render.thinkMs, { min: 0, max: 50 });
    assert.deepEqual(worker.deployment, s.deployment);
    assert.equal(worker.loginSpreadMs, s.loginSpreadMs);
  });

  it('does not change the defaults it was built from', () => {
    staging(`${MINIMAL}render:\n  poll: { initialMs: 250 }\n`);
    assert.equal(DEFAULT_BACKOFF.initialMs, 500);
  });

  it('drops trailing slashes from the URLs', () => {
    const s = staging('BASE_URL: "https://api.example.test/base//"\nWIDGET_URL: https://widget.example.test/\nDIALECT: seed\n');
    assert.equal(s.baseUrl, 'https://api.example.test/base');
    assert.equal(s.widgetUrl, 'https://widget.example.test');
  });

  it('an empty section counts as absent', () => {
    const s = staging(`${MINIMAL}render:\n`);
    assert.deepEqual(s.render.mix, { '2d': 60, '3d': 30, ar: 10 });
  });
});

describe('loadSettings: environment variables override the file', () => {
  it('BASE_URL, WIDGET_URL and LUNEO_DIALECT', () => {
    const s = staging(MINIMAL, { BASE_URL: ' http://127.0.0.1:9999/ ', WIDGET_URL: 'http://127.0.0.1:9998', LUNEO_DIALECT: 'seed' });
    assert.equal(s.baseUrl, 'http://127.0.0.1:9999');
    assert.equal(s.widgetUrl, 'http://127.0.0.1:9998');
    assert.equal(s.dialect, 'seed');
  });

  it('an empty variable does not override', () => {
    const s = staging(MINIMAL, { BASE_URL: '', WIDGET_URL: '  ', LUNEO_DIALECT: '' });
    assert.equal(s.baseUrl, 'https://api.example.test');
    assert.equal(s.widgetUrl, 'https://widget.example.test');
    assert.equal(s.dialect, 'v1');
  });

  it('a variable can supply what the file lacks', () => {
    const s = staging('DIALECT: seed\n', { BASE_URL: 'https://a.test', WIDGET_URL: 'https://w.test' });
    assert.equal(s.baseUrl, 'https://a.test');
  });

  it('a bad override is reported like a bad file value', () => {
    configError(() => staging(MINIMAL, { LUNEO_DIALECT: 'v2' }), /DIALECT must be "seed" or "v1", got "v2"/);
    configError(() => staging(MINIMAL, { BASE_URL: 'api.example.test' }), /BASE_URL is not a URL: "api\.example\.test"/);
  });
});

describe('loadSettings: choosing the environment', () => {
  it('no environment: tells to add -e and lists the choices', () => {
    for (const e of [undefined, null, '']) {
      configError(() => loadSettings(e, dir, {}), /no environment chosen: add -e with one of local, ci, staging, prod/);
    }
  });

  it('an unknown environment lists the choices', () => {
    configError(() => loadSettings('production', dir, {}), /unknown environment "production": choose one of local, ci, staging, prod/);
    configError(() => loadSettings(3, dir, {}), /unknown environment "3"/);
  });

  it('a known environment without a file names the file', () => {
    configError(() => loadSettings('ci', dir, {}), new RegExp(`cannot read ${path.join(dir, 'ci.yml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('a file that is not YAML says so', () => {
    write('ci', 'BASE_URL: [unclosed\n');
    configError(() => loadSettings('ci', dir, {}), /cannot read .*ci\.yml/);
  });

  it('a file that is not a mapping says so', () => {
    configError(() => staging('- a\n- b\n'), /the file must be a YAML mapping/);
  });
});

describe('loadSettings: what is checked', () => {
  it('missing URLs', () => {
    configError(() => staging('DIALECT: v1\n'), /BASE_URL is not set[\s\S]*WIDGET_URL is not set/);
  });

  it('malformed URLs', () => {
    configError(() => staging('BASE_URL: not a url\nWIDGET_URL: https://w.test\nDIALECT: v1\n'), /BASE_URL is not a URL: "not a url" \(expected e\.g\. https:\/\/api\.luneo\.app\)/);
    configError(() => staging('BASE_URL: ftp://api.test\nWIDGET_URL: https://w.test\nDIALECT: v1\n'), /BASE_URL must be http or https/);
    configError(() => staging('BASE_URL: https://api.test/?x=1\nWIDGET_URL: https://w.test\nDIALECT: v1\n'), /BASE_URL must not carry a query or fragment/);
    configError(() => staging('BASE_URL: https://api.test\nWIDGET_URL: "https://w.test/#top"\nDIALECT: v1\n'), /WIDGET_URL must not carry a query or fragment/);
    configError(() => staging('BASE_URL: https://user:secret@api.test\nWIDGET_URL: https://w.test\nDIALECT: v1\n'), /BASE_URL must not carry credentials/);
  });

  it('a URL with credentials does not echo them', () => {
    assert.throws(
      () => staging('BASE_URL: https://user:s3cr3t@api.test\nWIDGET_URL: https://w.test\nDIALECT: v1\n'),
      (err: Error) => !err.message.includes('s3cr3t'),
    );
  });

  it('bad or missing dialect', () => {
    configError(() => staging('BASE_URL: https://a.test\nWIDGET_URL: https://w.test\nDIALECT: V1\n'), /DIALECT must be "seed" or "v1", got "V1"/);
    configError(() => staging('BASE_URL: https://a.test\nWIDGET_URL: https://w.test\n'), /DIALECT must be "seed" or "v1", got null/);
  });

  it('unknown poll and rate-limit settings name the known ones', () => {
    configError(() => staging(`${MINIMAL}render:\n  poll: { initalMs: 100 }\n`), /render\.poll: unknown setting "initalMs" \(known: initialMs, multiplier, maxMs, jitter, deadlineMs\)/);
    configError(() => staging(`${MINIMAL}rateLimit: { retries: 3 }\n`), /rateLimit: unknown setting "retries"/);
    // The key's old place says where it went.
    configError(() => staging(`${MINIMAL}render:\n  rateLimit: { maxRetries: 3 }\n`), /render\.rateLimit is now a top-level setting \(rateLimit: \{ … \} beside api:\)/);
  });

  it('unknown top-level and section settings are errors, not silently ignored', () => {
    // a typo here would otherwise unguard production
    configError(() => staging(`${MINIMAL}gaurded: true\n`), /unknown setting "gaurded" \(known: description, BASE_URL, WIDGET_URL, DIALECT, guarded, sandbox, api, rateLimit, embed, render, abort, observe\)/);
    configError(() => staging(`${MINIMAL}embed:\n  viewMS: [1, 2]\n`), /embed: unknown setting "viewMS"/);
    configError(() => staging(`${MINIMAL}render:\n  polling: { initialMs: 1 }\n`), /render: unknown setting "polling"/);
    configError(() => staging(`${MINIMAL}render: 5\n`), /render must be a mapping/);
    configError(() => staging(`${MINIMAL}abort:\n  errorRate: 20\n`), /abort\.errorRate is a share between 0 and 1 \(0\.2 = 20 %\), got 20/);
    configError(() => staging(`${MINIMAL}abort:\n  enable: true\n`), /abort: unknown setting "enable"/);
  });

  it('flags must be booleans', () => {
    configError(() => staging(`${MINIMAL}guarded: "yes"\n`), /guarded must be true or false, got "yes"/);
    configError(() => staging(`${MINIMAL}sandbox: 1\n`), /sandbox must be true or false, got 1/);
  });

  it('non-numeric and invalid poll values', () => {
    configError(() => staging(`${MINIMAL}render:\n  poll: { maxMs: "10s" }\n`), /render\.poll\.maxMs must be a number/);
    configError(() => staging(`${MINIMAL}render:\n  poll: 3\n`), /render\.poll must be a mapping/);
    configError(() => staging(`${MINIMAL}render:\n  poll: { initialMs: 0 }\n`), /render\.poll: initialMs must be > 0/);
    configError(() => staging(`${MINIMAL}render:\n  poll: { jitter: 2 }\n`), /render\.poll: jitter must be within 0\.\.1/);
  });

  it('ranges must be [min, max] with 0 <= min <= max', () => {
    for (const bad of ['[5, 1]', '[-1, 2]', '[1]', '"1-2"', '[1, "2"]']) {
      configError(() => staging(`${MINIMAL}embed:\n  viewMs: ${bad}\n`), /embed\.viewMs must be \[min, max\] in milliseconds/);
    }
    configError(() => staging(`${MINIMAL}render:\n  thinkMs: [3, 1]\n`), /render\.thinkMs must be \[min, max\]/);
  });

  it('the render mix', () => {
    configError(() => staging(`${MINIMAL}render:\n  mix: { 4d: 1 }\n`), /render\.mix: unknown render type "4d"/);
    configError(() => staging(`${MINIMAL}render:\n  mix: { 2d: -1, 3d: 1 }\n`), /render\.mix\.2d must be a weight >= 0/);
    configError(() => staging(`${MINIMAL}render:\n  mix: { 2d: 0, 3d: 0 }\n`), /render\.mix needs at least one weight above 0/);
    configError(() => staging(`${MINIMAL}render:\n  mix: [2d, 3d]\n`), /render\.mix must map render types/);
  });

  it('lists every problem at once, under the file name', () => {
    assert.throws(
      () => staging('BASE_URL: nope\nDIALECT: v3\nrender:\n  poll: { foo: 1 }\n'),
      (err: Error) => {
        const lines = err.message.split('\n');
        assert.match(lines[0] ?? '', /staging\.yml:$/);
        assert.equal(lines.filter((l) => l.startsWith('  - ')).length, 4);
        return true;
      },
    );
  });
});

describe('the api section: deployments that differ are configuration', () => {
  const base = { BASE_URL: 'https://api.example.test', WIDGET_URL: 'https://w.example.test', DIALECT: 'v1' };
  it('defaults to the embed branch for v1, and the shipped staging/prod files say so explicitly', () => {
    const s = settingsFrom('staging', base, {}, 'mem');
    assert.deepEqual(s.deployment, defaultDeployment('v1'));
    assert.equal(s.slowDownRemoved, false);
    for (const name of ['staging', 'prod', 'ci'] as const) {
      const shipped = loadSettings(name, path.resolve(import.meta.dirname, '../../../environments'), {});
      assert.deepEqual(shipped.deployment, defaultDeployment('v1'), name);
    }
  });

  it('a mainline deployment: routes, cookie tokens, synchronous render', () => {
    const s = settingsFrom('staging', { ...base, api: { routes: { renderStatus: '/api/v1/render/status/{id}', health: null }, tokensFrom: 'cookie', syncRender: true, refreshRotates: false, slowDownRemoved: true } }, {}, 'mem');
    assert.equal(s.deployment.routes.renderStatus, '/api/v1/render/status/{id}');
    assert.equal(s.deployment.routes.health, null);
    assert.equal(s.deployment.tokensFrom, 'cookie');
    assert.equal(s.deployment.syncRender, true);
    assert.equal(s.deployment.refreshRotates, false);
    assert.equal(s.slowDownRemoved, true);
  });

  it('refuses typos and templates that would be sent wrong', () => {
    const bad = (api: unknown, re: RegExp) => assert.throws(() => settingsFrom('staging', { ...base, api }, {}, 'mem'), re);
    bad({ routes: { renderStatus: '/api/v1/render/{renderId}' } }, /api\.routes\.renderStatus: unknown placeholder \{renderId\} \(allowed: \{id\}\)/);
    bad({ routes: { status: '/x' } }, /api\.routes: unknown route "status"/);
    bad({ routes: { login: 'api/v1/auth/login' } }, /api\.routes\.login must be a path starting with \//);
    bad({ tokensFrom: 'header' }, /api\.tokensFrom must be "body" or "cookie"/);
    bad({ syncrender: true }, /api: unknown setting "syncrender"/);
  });

  it("the section describes the file's own dialect: LUNEO_DIALECT naming the other starts from that one's defaults", () => {
    const s = settingsFrom('staging', { ...base, api: { routes: { renderStatus: '/api/v1/render/status/{id}' }, tokensFrom: 'cookie' } }, { LUNEO_DIALECT: 'seed' }, 'mem');
    assert.deepEqual(s.deployment, defaultDeployment('seed'));
  });
});

describe('settingsFrom', () => {
  it('works on an already-parsed document and names the source on error', () => {
    const s = settingsFrom('local', { BASE_URL: 'http://127.0.0.1:1', WIDGET_URL: 'http://127.0.0.1:2', DIALECT: 'seed', sandbox: true }, {}, 'mem');
    assert.equal(s.sandbox, true);
    configError(() => settingsFrom('local', null, {}, 'mem'), /^mem:\n/);
  });
});

describe('environmentsDir', () => {
  it('is next to the scenarios folder, else under the working directory', () => {
    assert.equal(environmentsDir('/repo/scenarios/embed.yml'), path.resolve('/repo/environments'));
    assert.equal(environmentsDir(undefined), path.resolve(process.cwd(), 'environments'));
  });
});

describe("the package's own environment files", () => {
  it('all load, local is the seed sandbox and prod is guarded', () => {
    const envDir = path.join(ROOT, 'environments');
    const local = loadSettings('local', envDir, {});
    assert.equal(local.sandbox, true);
    assert.equal(local.dialect, 'seed');
    assert.equal(new URL(local.baseUrl).hostname, '127.0.0.1');
    for (const e of ['ci', 'staging', 'prod']) assert.equal(loadSettings(e, envDir, {}).sandbox, false, e);
    assert.equal(loadSettings('prod', envDir, {}).guarded, true);
  });

  it('the abort switch is on against prod (guarded) and off against the others, unless LUNEO_NO_ABORT is set', () => {
    const envDir = path.join(ROOT, 'environments');
    assert.equal(abortEnabled(loadSettings('prod', envDir, {}), {}), true);
    assert.deepEqual(loadSettings('prod', envDir, {}).abort, DEFAULT_ABORT);
    assert.equal(abortEnabled(loadSettings('prod', envDir, {}), { LUNEO_NO_ABORT: '1' }), false);
    for (const e of ['local', 'ci', 'staging']) assert.equal(abortEnabled(loadSettings(e, envDir, {}), {}), false, e);
  });
});

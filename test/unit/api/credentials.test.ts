import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redact, resolveCredentials, SANDBOX_CREDENTIALS, SECRET_VARIABLES, secretsFromEnv, secretValues } from '../../../src/api/credentials.ts';
import { ConfigError, type RunSettings, settingsFrom } from '../../../src/config/environments.ts';
import { FLOWS } from '../../../src/flows/index.ts';

function settings(dialect: 'seed' | 'v1', sandbox: boolean): RunSettings {
  return settingsFrom(
    sandbox ? 'local' : 'staging',
    { BASE_URL: 'https://api.example.test', WIDGET_URL: 'https://widget.example.test', DIALECT: dialect, sandbox },
    {},
    'test',
  );
}

function configError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof ConfigError && pattern.test(err.message));
}

describe('resolveCredentials: seed', () => {
  it('the embed path is public: no credentials, even without API_KEY', () => {
    assert.equal(resolveCredentials(settings('seed', false), FLOWS.embed, {}), undefined);
  });

  it('render needs API_KEY; without it a ConfigError that names the variable and target', () => {
    configError(() => resolveCredentials(settings('seed', false), FLOWS.render, {}), /API_KEY is not set.*staging \(https:\/\/api\.example\.test\).*No request was sent/s);
    configError(() => resolveCredentials(settings('seed', false), FLOWS.render, { API_KEY: '   ' }), /API_KEY is not set/);
  });

  it('takes API_KEY, trimmed', () => {
    assert.deepEqual(resolveCredentials(settings('seed', false), FLOWS.render, { API_KEY: ' key-123 ' }), { dialect: 'seed', apiKey: 'key-123' });
  });

  it('against the sandbox it falls back to the built-in key, and API_KEY still wins', () => {
    assert.deepEqual(resolveCredentials(settings('seed', true), FLOWS.render, {}), { dialect: 'seed', apiKey: SANDBOX_CREDENTIALS.apiKey });
    assert.deepEqual(resolveCredentials(settings('seed', true), FLOWS.render, { API_KEY: 'mine' }), { dialect: 'seed', apiKey: 'mine' });
  });
});

describe('resolveCredentials: v1', () => {
  it('needs LUNEO_EMAIL and LUNEO_PASSWORD for both scenarios (every v1 route needs a login)', () => {
    for (const needs of [FLOWS.render, FLOWS.embed]) {
      configError(() => resolveCredentials(settings('v1', false), needs, {}), /LUNEO_EMAIL and LUNEO_PASSWORD must be set/);
      configError(() => resolveCredentials(settings('v1', false), needs, { LUNEO_EMAIL: 'a@b.c' }), /LUNEO_EMAIL and LUNEO_PASSWORD must be set/);
      configError(() => resolveCredentials(settings('v1', false), needs, { LUNEO_PASSWORD: 'pw' }), /LUNEO_EMAIL and LUNEO_PASSWORD must be set/);
    }
  });

  it('an API_KEY does not replace the login', () => {
    configError(() => resolveCredentials(settings('v1', false), FLOWS.render, { API_KEY: 'k' }), /LUNEO_EMAIL/);
  });

  it('takes the email trimmed and the password as is', () => {
    assert.deepEqual(resolveCredentials(settings('v1', false), FLOWS.embed, { LUNEO_EMAIL: ' a@b.c ', LUNEO_PASSWORD: ' pw ' }), {
      dialect: 'v1',
      email: 'a@b.c',
      password: ' pw ',
    });
  });

  it('against the sandbox it falls back to the built-in login', () => {
    assert.deepEqual(resolveCredentials(settings('v1', true), FLOWS.render, {}), {
      dialect: 'v1',
      email: SANDBOX_CREDENTIALS.email,
      password: SANDBOX_CREDENTIALS.password,
    });
  });

  it('the error message never contains a secret', () => {
    assert.throws(
      () => resolveCredentials(settings('v1', false), FLOWS.render, { LUNEO_PASSWORD: 'hunter2-secret' }),
      (err: Error) => !err.message.includes('hunter2-secret'),
    );
  });
});

describe('secretValues', () => {
  it('drops unset, empty and too-short values', () => {
    assert.deepEqual(secretValues(['abcd', undefined, '', 'abc']), ['abcd']);
  });

  it('secretsFromEnv reads every variable of the one list, the email and the Datadog key included', () => {
    const env = Object.fromEntries(SECRET_VARIABLES.map((n) => [n, `value-of-${n}`]));
    assert.deepEqual(secretsFromEnv(env), SECRET_VARIABLES.map((n) => `value-of-${n}`));
    assert.ok(SECRET_VARIABLES.includes('LUNEO_EMAIL') && SECRET_VARIABLES.includes('LUNEO_DATADOG_API_KEY'));
  });
});

describe('redact', () => {
  it('replaces every occurrence of every known secret', () => {
    assert.equal(redact('key=s3cr3t-key and again s3cr3t-key', ['s3cr3t-key']), 'key=[redacted] and again [redacted]');
    assert.equal(redact('a.b*c+d? and (x|y)', ['a.b*c+d?', '(x|y)']), '[redacted] and [redacted]');
  });

  it('replaces bearer tokens, whatever their case', () => {
    assert.equal(redact('Authorization: Bearer abc.DEF-123_~+/='), 'Authorization: Bearer [redacted]');
    assert.equal(redact('authorization: bearer   xyz'), 'authorization: bearer   [redacted]');
  });

  it('replaces JWTs wherever they appear', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJicmFuZC0xIiwidHlwZSI6ImVtYmVkIn0.c2lnbmF0dXJl_-x';
    const out = redact(`{"token":"${jwt}","nonce":"n"}`);
    assert.equal(out, '{"token":"[redacted-jwt]","nonce":"n"}');
    assert.ok(!out.includes('eyJ'));
    assert.equal(redact(`/?token=${jwt}&shop=s`), '/?token=[redacted-jwt]&shop=s');
  });

  it('leaves ordinary text alone', () => {
    const text = 'GET /api/v1/health 200 in 12 ms; eyJ is a prefix; a.b.c';
    assert.equal(redact(text, []), text);
    assert.equal(redact(text), text);
  });
});

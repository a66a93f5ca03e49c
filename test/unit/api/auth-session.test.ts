import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuthError, AuthSession, expiryOf, type FetchLike, jwtExp, refreshMarginMs, SERVER_ERROR_BACKOFF_MS, SERVER_ERROR_RETRIES, serverErrorBackoffMs, type SessionEvent } from '../../../src/api/auth-session.ts';
import { defaultDeployment } from '../../../src/api/dialect.ts';
import { RateLimitGate } from '../../../src/api/rate-limit-gate.ts';

const BASE = 'https://api.example.test';
const T0 = 1_700_000_000_000;

type Reply = { status: number; body: string; setCookie?: string[] } | Error;
interface Call {
  url: string;
  path: string;
  method: string;
  headers: Record<string, string>;
  json: unknown;
}

const ok = (data: Record<string, unknown>): Reply => ({ status: 201, body: JSON.stringify({ success: true, data, timestamp: 't' }) });

/** A fetch that records each call and answers with `reply(call, n)`, n counting calls per path from 1. */
function fakeFetch(reply: (call: Call, n: number) => Reply | Promise<Reply>) {
  const calls: Call[] = [];
  const perPath = new Map<string, number>();
  const fetch: FetchLike = async (url, init) => {
    const path = url.slice(BASE.length);
    const call: Call = { url, path, method: init.method, headers: init.headers, json: JSON.parse(init.body) };
    calls.push(call);
    const n = (perPath.get(path) ?? 0) + 1;
    perPath.set(path, n);
    const r = await reply(call, n);
    if (r instanceof Error) throw r;
    return { status: r.status, text: async () => r.body, headers: { get: () => null, getSetCookie: () => r.setCookie ?? [] } };
  };
  return { fetch, calls, paths: () => calls.map((c) => c.path) };
}

/** Issues access-N / refresh-N tokens with the given lifetime; refresh answers from `refreshReply` when set. */
function tokenServer(expiresIn: number, refreshReply?: () => Reply) {
  let issued = 0;
  return fakeFetch((call) => {
    if (call.path === '/api/v1/auth/refresh' && refreshReply) return refreshReply();
    issued++;
    return ok({ accessToken: `access-${issued}`, refreshToken: `refresh-${issued}`, expiresIn });
  });
}

/** Sessions under test do not really sleep between 5xx retries. */
const noSleep = async () => {};

function session(fetch: FetchLike, clock: { t: number }, events: SessionEvent[] = []) {
  return new AuthSession({ baseUrl: BASE, email: 'lt@example.test', password: 'pw', fetch, now: () => clock.t, onEvent: (e) => events.push(e), sleep: noSleep });
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function rejectsAuth(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AuthError, `expected AuthError, got ${String(err)}`);
    assert.equal(err.name, 'AuthError');
    assert.match(err.message, pattern);
    return true;
  });
}

describe('AuthSession: login', () => {
  it('POSTs the credentials as JSON to the v1 login route and keeps the tokens', async () => {
    const clock = { t: T0 };
    const events: SessionEvent[] = [];
    const f = tokenServer(900);
    const s = session(f.fetch, clock, events);
    const state = await s.login();
    assert.deepEqual(state, { accessToken: 'access-1', refreshToken: 'refresh-1', expiresAt: T0 + 900_000 });
    assert.deepEqual(s.state, state);
    assert.equal(f.calls.length, 1);
    const c = f.calls[0];
    assert.equal(c?.url, `${BASE}/api/v1/auth/login`);
    assert.equal(c?.method, 'POST');
    assert.equal(c?.headers['content-type'], 'application/json');
    assert.deepEqual(c?.json, { email: 'lt@example.test', password: 'pw' });
    assert.deepEqual(events, ['login']);
  });

  it('accessToken() logs in on first use, then reuses the token', async () => {
    const clock = { t: T0 };
    const f = tokenServer(900);
    const s = session(f.fetch, clock);
    assert.equal(await s.accessToken(), 'access-1');
    clock.t += 60_000;
    assert.equal(await s.accessToken(), 'access-1');
    assert.deepEqual(f.paths(), ['/api/v1/auth/login']);
  });

  it('starts from a handed-over session without logging in', async () => {
    const clock = { t: T0 };
    const f = tokenServer(900);
    const s = new AuthSession({ baseUrl: BASE, email: 'e', password: 'p', fetch: f.fetch, now: () => clock.t }, { accessToken: 'given', refreshToken: 'r0', expiresAt: T0 + 900_000 });
    assert.equal(await s.accessToken(), 'given');
    assert.equal(f.calls.length, 0);
  });
});

describe('AuthSession: refresh before expiry', () => {
  it('refreshes once the token is within a fifth of its lifetime of expiry', async () => {
    const clock = { t: T0 };
    const events: SessionEvent[] = [];
    const f = tokenServer(10); // 10 s lifetime: renew in the last 2 s
    const s = session(f.fetch, clock, events);
    await s.login();
    clock.t = T0 + 7_999;
    assert.equal(await s.accessToken(), 'access-1');
    assert.equal(f.calls.length, 1);
    clock.t = T0 + 8_001;
    assert.equal(await s.accessToken(), 'access-2');
    assert.deepEqual(f.paths(), ['/api/v1/auth/login', '/api/v1/auth/refresh']);
    assert.deepEqual(f.calls[1]?.json, { refreshToken: 'refresh-1' });
    assert.equal(s.state?.expiresAt, T0 + 8_001 + 10_000);
    assert.deepEqual(events, ['login', 'refresh']);
  });

  it('refreshes an already expired token too', async () => {
    const clock = { t: T0 };
    const f = tokenServer(10);
    const s = session(f.fetch, clock);
    await s.login();
    clock.t = T0 + 60_000;
    assert.equal(await s.accessToken(), 'access-2');
    assert.equal(f.paths()[1], '/api/v1/auth/refresh');
  });

  it('many users asking at once share one refresh', async () => {
    const clock = { t: T0 };
    const f = tokenServer(10);
    const s = session(f.fetch, clock);
    await s.login();
    clock.t = T0 + 9_000;
    const tokens = await Promise.all(Array.from({ length: 25 }, () => s.accessToken()));
    assert.ok(tokens.every((t) => t === 'access-2'));
    assert.deepEqual(f.paths(), ['/api/v1/auth/login', '/api/v1/auth/refresh']);
  });

  it('a failing refresh falls back to a fresh login', async () => {
    const clock = { t: T0 };
    const events: SessionEvent[] = [];
    const f = tokenServer(10, () => ({ status: 401, body: '{"success":false,"message":"Invalid refresh token"}' }));
    const s = session(f.fetch, clock, events);
    await s.login();
    clock.t = T0 + 9_500;
    assert.equal(await s.accessToken(), 'access-2');
    assert.deepEqual(f.paths(), ['/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/auth/login']);
    assert.deepEqual(events, ['login', 'login']);
  });

  it('a refresh that cannot reach the server falls back to login as well', async () => {
    const clock = { t: T0 };
    const f = tokenServer(10, () => new Error('ECONNRESET'));
    const s = session(f.fetch, clock);
    await s.login();
    clock.t = T0 + 9_500;
    assert.equal(await s.accessToken(), 'access-2');
    assert.equal(f.paths().at(-1), '/api/v1/auth/login');
  });
});

describe('AuthSession: after a 401', () => {
  it('many concurrent onUnauthorized calls cause exactly one login', async () => {
    const clock = { t: T0 };
    const events: SessionEvent[] = [];
    const gate = deferred<void>();
    let issued = 0;
    const f = fakeFetch(async (call) => {
      if (issued > 0) await gate.promise; // hold the re-login in flight
      issued++;
      assert.equal(call.path, '/api/v1/auth/login');
      return ok({ accessToken: `access-${issued}`, refreshToken: `refresh-${issued}`, expiresIn: 900 });
    });
    const s = session(f.fetch, clock, events);
    const old = await s.accessToken();
    const all = Array.from({ length: 50 }, () => s.onUnauthorized(old));
    // all 50 are waiting on the same renewal
    await new Promise((r) => setImmediate(r));
    assert.equal(f.calls.length, 2);
    gate.resolve();
    const tokens = await Promise.all(all);
    assert.ok(tokens.every((t) => t === 'access-2'));
    assert.equal(f.calls.length, 2);
    assert.deepEqual(events, ['login', 'relogin']);
  });

  it('a 401 for a token already replaced returns the current one without logging in', async () => {
    const clock = { t: T0 };
    const f = tokenServer(900);
    const s = session(f.fetch, clock);
    const first = await s.accessToken();
    const second = await s.onUnauthorized(first);
    assert.equal(second, 'access-2');
    assert.equal(await s.onUnauthorized(first), 'access-2');
    assert.equal(f.calls.length, 2);
    // a 401 for the current token logs in again
    assert.equal(await s.onUnauthorized(second), 'access-3');
    assert.equal(f.calls.length, 3);
  });

  it('before any login, a 401 logs in', async () => {
    const f = tokenServer(900);
    const s = session(f.fetch, { t: T0 });
    assert.equal(await s.onUnauthorized('whatever'), 'access-1');
    assert.deepEqual(f.paths(), ['/api/v1/auth/login']);
  });
});

describe('AuthSession: failures', () => {
  it('a login body that is not JSON is an AuthError that says so', async () => {
    const events: SessionEvent[] = [];
    const f = fakeFetch(() => ({ status: 200, body: '<!doctype html><title>Luneo</title>' }));
    await rejectsAuth(session(f.fetch, { t: T0 }, events).login(), /\/api\/v1\/auth\/login did not answer JSON \(is BASE_URL the API\?\)/);
    assert.deepEqual(events, ['failure']);
  });

  it('refused credentials, other HTTP errors, bodies without tokens, unreachable server', async () => {
    await rejectsAuth(session(fakeFetch(() => ({ status: 401, body: '{}' })).fetch, { t: T0 }).login(), /refused the credentials \(HTTP 401\)/);
    await rejectsAuth(session(fakeFetch(() => ({ status: 403, body: '{}' })).fetch, { t: T0 }).login(), /refused the credentials \(HTTP 403\)/);
    await rejectsAuth(session(fakeFetch(() => ({ status: 503, body: '{}' })).fetch, { t: T0 }).login(), /answered HTTP 503/);
    await rejectsAuth(session(fakeFetch(() => ok({ accessToken: 'a' })).fetch, { t: T0 }).login(), /answered without accessToken\/refreshToken/);
    await rejectsAuth(session(fakeFetch(() => new Error('connect ECONNREFUSED')).fetch, { t: T0 }).login(), /cannot reach https:\/\/api\.example\.test\/api\/v1\/auth\/login: connect ECONNREFUSED/);
  });

  it('the password never appears in an error', async () => {
    const f = fakeFetch(() => ({ status: 500, body: 'oops' }));
    const s = new AuthSession({ baseUrl: BASE, email: 'e', password: 'sup3r-s3cret', fetch: f.fetch, now: () => T0, sleep: noSleep });
    await assert.rejects(s.login(), (err: Error) => !err.message.includes('sup3r-s3cret'));
  });

  it('a failed renewal is not remembered: the next call tries again', async () => {
    // 502 for the first login and all its 5xx retries.
    const failing = SERVER_ERROR_RETRIES + 1;
    const f = fakeFetch((_call, n) => (n <= failing ? { status: 502, body: 'bad gateway' } : ok({ accessToken: 'a2', refreshToken: 'r2', expiresIn: 900 })));
    const s = session(f.fetch, { t: T0 });
    await assert.rejects(s.accessToken(), AuthError);
    assert.equal(s.state, undefined);
    assert.equal(await s.accessToken(), 'a2');
    assert.equal(f.calls.length, failing + 1);
  });
});

describe('expiryOf, jwtExp, refreshMarginMs', () => {
  const jwt = (claims: unknown) => `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

  it("prefers the server's expiresIn", () => {
    assert.equal(expiryOf({ accessToken: jwt({ exp: 1 }), refreshToken: 'r', expiresIn: 60 }, T0), T0 + 60_000);
  });

  it("else the JWT's exp claim, else 15 minutes", () => {
    assert.equal(expiryOf({ accessToken: jwt({ exp: 1_700_000_900 }), refreshToken: 'r' }, T0), 1_700_000_900_000);
    assert.equal(expiryOf({ accessToken: jwt({ exp: 1_700_000_900 }), refreshToken: 'r', expiresIn: 0 }, T0), 1_700_000_900_000);
    assert.equal(expiryOf({ accessToken: 'opaque', refreshToken: 'r' }, T0), T0 + 15 * 60_000);
  });

  it('jwtExp reads exp and tolerates anything else', () => {
    assert.equal(jwtExp(jwt({ sub: 'b', exp: 42 })), 42);
    assert.equal(jwtExp(jwt({ exp: '42' })), undefined);
    assert.equal(jwtExp(jwt({})), undefined);
    assert.equal(jwtExp('a.!!!not-base64-json.c'), undefined);
    assert.equal(jwtExp('no-dots'), undefined);
    assert.equal(jwtExp(''), undefined);
  });

  it('renews a fifth of the lifetime early, at most a minute', () => {
    assert.equal(refreshMarginMs(10_000), 2_000);
    assert.equal(refreshMarginMs(15 * 60_000), 60_000);
    assert.equal(refreshMarginMs(0), 0);
    assert.equal(refreshMarginMs(-5), 0);
  });
});

describe('AuthSession: rate-limited login', () => {
  function limited(retryAfter: string | null, times: number) {
    const calls: string[] = [];
    const fetch: FetchLike = async (url) => {
      calls.push(url);
      if (calls.length <= times) {
        return { status: 429, text: async () => '{"error":"rate_limited"}', headers: { get: (n: string) => (n === 'retry-after' ? retryAfter : null) } };
      }
      return { status: 200, text: async () => JSON.stringify({ accessToken: 'a', refreshToken: 'r', expiresIn: 900 }) };
    };
    return { fetch, calls };
  }

  /** A gate on a clock that its sleeps advance. */
  function clockedGate() {
    const clock = { t: T0 };
    const waits: number[] = [];
    const gate = new RateLimitGate({
      now: () => clock.t,
      marginMs: 0,
      sleep: async (ms) => {
        waits.push(ms);
        clock.t += ms;
      },
    });
    return { clock, waits, gate };
  }

  it('waits at the gate for what Retry-After says, then logs in', async () => {
    const { fetch, calls } = limited('2', 2);
    const { clock, waits, gate } = clockedGate();
    const s = new AuthSession({ baseUrl: BASE, email: 'e', password: 'p', fetch, now: () => clock.t, gate, sleep: noSleep });
    assert.equal((await s.login()).accessToken, 'a');
    assert.equal(calls.length, 3);
    assert.deepEqual(waits, [2000, 2000], 'each retry waited the whole Retry-After at the shared gate');
  });

  it('a Retry-After beyond maxRetryAfterMs gives up at once, and closes the gate for the whole Retry-After', async () => {
    const { fetch, calls } = limited('52', 100);
    const { gate } = clockedGate();
    const s = new AuthSession({ baseUrl: BASE, email: 'e', password: 'p', fetch, now: () => T0, gate, sleep: noSleep, rateLimit: { defaultRetryAfterMs: 1000, maxRetryAfterMs: 10_000, maxRetries: 5 } });
    await rejectsAuth(s.login(), /rate-limited \(HTTP 429\) with Retry-After 52 s, beyond maxRetryAfterMs 10000 ms: gave up/);
    assert.equal(calls.length, 1, 'nothing was sent early');
    assert.equal(gate.waitMs(new URL(BASE).host), 52_000, 'every other request of this address waits too');
  });

  it('gives up after the policy’s retries with an error that says so', async () => {
    const { fetch, calls } = limited(null, 100);
    const { clock, waits, gate } = clockedGate();
    const s = new AuthSession({ baseUrl: BASE, email: 'e', password: 'p', fetch, now: () => clock.t, gate, sleep: noSleep, rateLimit: { defaultRetryAfterMs: 750, maxRetryAfterMs: 10_000, maxRetries: 3 } });
    await rejectsAuth(s.login(), /still rate-limited \(HTTP 429\) after 3 retries/);
    assert.equal(calls.length, 4);
    assert.deepEqual(waits, [750, 750, 750], 'no Retry-After: the default wait');
  });
});

describe('AuthSession: logins at scale', () => {
  it('retries a 5xx with jittered backoff, bounded, and succeeds (same-second logins of one user answer 500)', async () => {
    const waits: number[] = [];
    const events: SessionEvent[] = [];
    const f = fakeFetch((_c, n) => (n <= 2 ? { status: 500, body: '{"statusCode":500,"message":"Internal server error"}' } : ok({ accessToken: 'a', refreshToken: 'r', expiresIn: 900 })));
    const s = new AuthSession({ baseUrl: BASE, email: 'e', password: 'p', fetch: f.fetch, now: () => T0, random: () => 0.5, onEvent: (e) => events.push(e), sleep: async (ms) => void waits.push(ms) });
    assert.equal((await s.login()).accessToken, 'a');
    assert.equal(f.calls.length, 3);
    assert.deepEqual(waits, [serverErrorBackoffMs(0, () => 0.5), serverErrorBackoffMs(1, () => 0.5)]);
    assert.deepEqual(events, ['server_error_retry', 'server_error_retry', 'login']);
  });

  it('the 5xx backoff is full jitter under a doubling ceiling, capped', () => {
    assert.equal(serverErrorBackoffMs(0, () => 1), SERVER_ERROR_BACKOFF_MS.baseMs);
    assert.equal(serverErrorBackoffMs(2, () => 1), SERVER_ERROR_BACKOFF_MS.baseMs * 4);
    assert.equal(serverErrorBackoffMs(20, () => 1), SERVER_ERROR_BACKOFF_MS.maxMs);
    assert.equal(serverErrorBackoffMs(3, () => 0), 0);
  });

  it('gives up after its retries: a login that keeps failing is an error, not a hang', async () => {
    const f = fakeFetch(() => ({ status: 503, body: '{}' }));
    await rejectsAuth(session(f.fetch, { t: T0 }).login(), /answered HTTP 503/);
    assert.equal(f.calls.length, SERVER_ERROR_RETRIES + 1);
  });

  it('a worker that shares the handed-over refresh token logs in on its own (after a spread delay) where refresh rotates', async () => {
    const clock = { t: T0 };
    const waits: number[] = [];
    const f = tokenServer(10);
    const s = new AuthSession(
      { baseUrl: BASE, email: 'e', password: 'p', fetch: f.fetch, now: () => clock.t, random: () => 0.5, sharedRefreshToken: true, loginSpreadMs: 2000, sleep: async (ms) => void waits.push(ms) },
      { accessToken: 'given', refreshToken: 'shared', expiresAt: T0 + 10_000 },
    );
    assert.equal(await s.accessToken(), 'given');
    clock.t = T0 + 9_000;
    assert.equal(await s.accessToken(), 'access-1');
    assert.deepEqual(f.paths(), ['/api/v1/auth/login'], 'the shared refresh token is not spent: others hold it');
    assert.deepEqual(waits, [1000]);
    clock.t = T0 + 9_000 + 9_500;
    assert.equal(await s.accessToken(), 'access-2');
    assert.deepEqual(f.paths(), ['/api/v1/auth/login', '/api/v1/auth/refresh'], 'its own refresh token it refreshes');
  });

  it('where refresh does not rotate, the shared refresh token is refreshed as usual', async () => {
    const clock = { t: T0 };
    const f = tokenServer(10);
    const s = new AuthSession(
      { baseUrl: BASE, email: 'e', password: 'p', fetch: f.fetch, now: () => clock.t, sharedRefreshToken: true, deployment: { ...defaultDeployment('v1'), refreshRotates: false }, sleep: noSleep },
      { accessToken: 'given', refreshToken: 'shared', expiresAt: T0 + 10_000 },
    );
    clock.t = T0 + 9_500;
    await s.accessToken();
    assert.deepEqual(f.paths(), ['/api/v1/auth/refresh']);
    assert.deepEqual(f.calls[0]?.json, { refreshToken: 'shared' });
  });
});

describe('AuthSession: tokens only in cookies (mainline)', () => {
  it('reads Set-Cookie on login and sends the refresh cookie on refresh', async () => {
    const clock = { t: T0 };
    let n = 0;
    const f = fakeFetch(() => {
      n++;
      return { status: 200, body: '{"user":{"id":"u1"},"success":true}', setCookie: [`accessToken=acc-${n}; Path=/; HttpOnly`, `refreshToken=ref-${n}; Path=/api/v1/auth; HttpOnly`] };
    });
    const s = new AuthSession({ baseUrl: BASE, email: 'e', password: 'p', fetch: f.fetch, now: () => clock.t, deployment: { ...defaultDeployment('v1'), tokensFrom: 'cookie' }, sleep: noSleep });
    const state = await s.login();
    assert.equal(state.accessToken, 'acc-1');
    assert.equal(state.refreshToken, 'ref-1');
    clock.t = T0 + 15 * 60_000;
    assert.equal(await s.accessToken(), 'acc-2');
    assert.equal(f.calls[1]?.path, '/api/v1/auth/refresh');
    assert.equal(f.calls[1]?.headers.cookie, 'refreshToken=ref-1');
  });

  it('a body-token deployment that answers only cookies says which setting to change', async () => {
    const f = fakeFetch(() => ({ status: 200, body: '{"user":{},"success":true}', setCookie: ['accessToken=a'] }));
    await rejectsAuth(session(f.fetch, { t: T0 }).login(), /set api\.tokensFrom: cookie/);
  });
});

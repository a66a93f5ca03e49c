import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnnouncedLimit } from '../../../src/api/announced-limits.ts';
import { busiestUserSeconds, checkRateLimits, type LimitObservation, type RouteKey, userSeconds } from '../../../src/before/rate-limit-check.ts';
import { FLOWS } from '../../../src/flows/index.ts';
import { settingsFrom } from '../../../src/config/environments.ts';
import type { Stage } from '../../../src/load/model.ts';

const API = 'api.test';
const host = (r: RouteKey) => (r === 'widget' ? 'widget.test' : API);
const settings = settingsFrom('staging', { BASE_URL: 'https://api.test', WIDGET_URL: 'https://widget.test', DIALECT: 'v1' }, {}, 'mem');
const throttler: AnnouncedLimit = { limit: 100, windowSec: 60, windowAnnounced: false, family: 'x', source: 'X-RateLimit-Limit: 100', remaining: 99 };
const express: AnnouncedLimit = { limit: 100, windowSec: 60, windowAnnounced: true, family: 'draft', source: 'RateLimit-Policy: 100;w=60', remaining: 97 };
const LOCAL_EMBED: Stage[] = [{ duration: 5, target: 20 }, { duration: 15, target: 20 }, { duration: 5, target: 0 }];
const TINY: Stage[] = [{ duration: 2, target: 6 }, { duration: 4, target: 6 }, { duration: 1, target: 0 }];

const onToken = (l: AnnouncedLimit): LimitObservation[] => [
  { route: 'health', label: 'GET /api/v1/health', host: API },
  { route: 'embedToken', label: 'GET /api/v1/embed/token', host: API, limit: l },
  { route: 'widget', label: 'GET /', host: 'widget.test' },
  { route: 'embedValidate', label: 'POST /api/v1/embed/validate', host: API },
];
const everywhere = (l: AnnouncedLimit): LimitObservation[] => onToken(l).map((o) => (o.host === API ? { ...o, limit: l } : o));

describe('userSeconds', () => {
  it('integrates the concurrency curve', () => {
    assert.ok(Math.abs(userSeconds(LOCAL_EMBED, 0, 60) - (50 + 300 + 50)) < 1);
    assert.ok(Math.abs(userSeconds([{ duration: 10, target: 10 }], 0, 5) - 12.5) < 0.5);
    assert.equal(userSeconds(TINY, 100, 160), 0);
  });
});

describe('busiestUserSeconds', () => {
  it('a full window at the peak for a long profile; all of a profile shorter than the window', () => {
    const long: Stage[] = [{ duration: 60, target: 100 }, { duration: 300, target: 100 }, { duration: 60, target: 0 }];
    assert.ok(Math.abs(busiestUserSeconds(long, 60) - 6000) < 1);
    assert.ok(Math.abs(busiestUserSeconds(LOCAL_EMBED, 60) - userSeconds(LOCAL_EMBED, 0, 60)) < 1e-9);
  });
});

describe('checkRateLimits', () => {
  const embedRates = FLOWS.embed.routeRates(settings, settings.embed);

  it("the development limiter on the token route alone counts that route's requests only", () => {
    const f = checkRateLimits(onToken(throttler), embedRates, host, LOCAL_EMBED, settings);
    assert.equal(f.limited, true, f.lines.join('\n'));
    assert.match(f.lines[0]!, /limits GET \/api\/v1\/embed\/token to 100 requests per 60 s per client address \(X-RateLimit-Limit: 100, window assumed 60 s\)/);
    assert.match(f.lines[0]!, /about 16\d of those in 60 s/, 'one token per page view of ~2.4 s: ~167 in the first minute');
    // The 25-s profile sends ~167 tokens in all: a limit a quarter above that, not one sized for a minute at the peak.
    const needed = Number(/RATE_LIMIT_LIMIT to at least ([\d,]+) per RATE_LIMIT_TTL of 60 s/.exec(f.lines[1]!)?.[1]?.replace(/,/g, ''));
    assert.ok(needed >= 167 * 1.25 && needed < 167 * 1.25 + 10, f.lines[1]);
    assert.ok(f.lines.some((l) => /WAF does not bypass/.test(l)));
    assert.equal(f.slowedDown, false);
  });

  it('a profile that stays under the limit in its first minute runs', () => {
    const f = checkRateLimits(onToken(throttler), embedRates, host, TINY, settings);
    assert.deepEqual(f, { limited: false, slowedDown: false, lines: [] });
  });

  it('a limit announced on every path is one limiter for the host: token and validation together', () => {
    // ~14 tokens + ~14 validations for TINY: 28 > 20 left, though each route alone stays under it.
    const tight = { ...express, limit: 100, remaining: 20 };
    const f = checkRateLimits(everywhere(tight), embedRates, host, TINY, { slowDownRemoved: true });
    assert.equal(f.limited, true, f.lines.join('\n'));
    assert.match(f.lines[0]!, /limits every path of api\.test together/);
    assert.equal(checkRateLimits(onToken(tight), embedRates, host, TINY, { slowDownRemoved: true }).limited, false);
  });

  it("production's slow-down is hard-coded: refused past 100 requests in 15 minutes, unless the environment says it was removed", () => {
    const raised = { ...express, limit: 1_000_000, remaining: 999_990 };
    const f = checkRateLimits(everywhere(raised), embedRates, host, LOCAL_EMBED, settings);
    assert.equal(f.limited, false);
    assert.equal(f.slowedDown, true);
    assert.match(f.lines.join('\n'), /\+500 ms on every request after the 100th in 15 minutes/);
    assert.equal(checkRateLimits(everywhere(raised), embedRates, host, LOCAL_EMBED, { slowDownRemoved: true }).slowedDown, false);
  });

  it('no announced limits, nothing to say', () => {
    const f = checkRateLimits(onToken({ ...throttler }).map(({ limit: _l, ...o }) => o), embedRates, host, LOCAL_EMBED, settings);
    assert.deepEqual(f, { limited: false, slowedDown: false, lines: [] });
  });

  it('render rates: polls dominate an asynchronous render; a synchronous one only enqueues', () => {
    const r = FLOWS.render.routeRates(settings, settings.render);
    assert.ok((r.renderStatus ?? 0) > (r.renderEnqueue ?? 0));
    const sync = FLOWS.render.routeRates({ ...settings, deployment: { ...settings.deployment, syncRender: true } }, settings.render);
    assert.equal(sync.renderStatus, undefined);
    assert.ok((sync.renderEnqueue ?? 0) > 0);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, type RunSettings, settingsFrom } from '../../../src/config/environments.ts';
import type { Stage } from '../../../src/load/model.ts';
import { PROFILES } from '../../../src/load/profiles.ts';
import { banner, checkGuard, CONFIRM_VARIABLE, expectedPeakRate, type RunPlan, UNGUARDED_PEAK } from '../../../src/before/setup.ts';

function settings(over: Record<string, unknown> = {}): RunSettings {
  return settingsFrom(
    'prod',
    { description: 'production', BASE_URL: 'https://api.luneo.app:8443', WIDGET_URL: 'https://widget.luneo.app', DIALECT: 'v1', guarded: true, ...over },
    {},
    'test',
  );
}

const peak = (n: number): Stage[] => [
  { duration: 10, target: n },
  { duration: 10, target: 0 },
];

describe('checkGuard', () => {
  it('refuses a guarded environment above UNGUARDED_PEAK without confirmation', () => {
    assert.equal(CONFIRM_VARIABLE, 'LUNEO_CONFIRM_FULL_LOAD');
    assert.throws(
      () => checkGuard(settings(), PROFILES.embed.prod.stages, {}),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /refusing to send 10,000 concurrent users to prod \(api\.luneo\.app\) without confirmation/);
        assert.match(err.message, /Nothing was sent/);
        assert.match(err.message, /LUNEO_CONFIRM_FULL_LOAD=api\.luneo\.app$/);
        return true;
      },
    );
    assert.throws(() => checkGuard(settings(), peak(UNGUARDED_PEAK + 1), {}), ConfigError);
  });

  it('refuses a confirmation for another host, or a non-host value', () => {
    for (const v of ['api.staging.luneo.app', 'yes', '1', 'true', '', 'https://api.luneo.app', 'api.luneo.app:8443']) {
      assert.throws(() => checkGuard(settings(), peak(500), { LUNEO_CONFIRM_FULL_LOAD: v }), ConfigError, v);
    }
  });

  it('allows it with LUNEO_CONFIRM_FULL_LOAD=<host>', () => {
    assert.doesNotThrow(() => checkGuard(settings(), PROFILES.embed.prod.stages, { LUNEO_CONFIRM_FULL_LOAD: 'api.luneo.app' }));
    assert.doesNotThrow(() => checkGuard(settings(), peak(500), { LUNEO_CONFIRM_FULL_LOAD: ' api.luneo.app ' }));
  });

  it('allows small profiles against a guarded environment', () => {
    assert.doesNotThrow(() => checkGuard(settings(), peak(UNGUARDED_PEAK), {}));
    assert.doesNotThrow(() => checkGuard(settings(), PROFILES.embed.local.stages, {}));
    assert.doesNotThrow(() => checkGuard(settings(), PROFILES.render.ci.stages, {}));
  });

  it('does not guard an unguarded environment', () => {
    assert.doesNotThrow(() => checkGuard(settings({ guarded: false }), PROFILES.embed.prod.stages, {}));
  });
});

describe('expectedPeakRate', () => {
  it('embed: three requests per page view of the configured length', () => {
    // default pauses: iframe 0..500 ms (mid 250), view 1000..3000 ms (mid 2000), plus 0.15 s of round trips
    assert.ok(Math.abs(expectedPeakRate('embed', settings(), peak(2400)) - 3000) < 1e-9);
  });

  it('render: grows with the peak and with faster polling', () => {
    const s = settings();
    assert.equal(expectedPeakRate('render', s, peak(500)), 500);
    const slowPoll = settings({ render: { poll: { initialMs: 2000, maxMs: 10000 } } });
    assert.equal(expectedPeakRate('render', slowPoll, peak(500)), 125);
  });
});

describe('banner', () => {
  const plan = (scenario: 'embed' | 'render'): RunPlan => ({
    scenario,
    settings: settings(),
    profileName: PROFILES[scenario].prod.name,
    stages: PROFILES[scenario].prod.stages,
    credentials: undefined,
    session: undefined,
  });

  it('says target, environment, dialect, profile and peak', () => {
    const text = banner(plan('embed'));
    assert.match(text, /embed scenario/);
    assert.match(text, /environment\s+prod \(production\)/);
    assert.match(text, /target\s+https:\/\/api\.luneo\.app:8443\s+widget https:\/\/widget\.luneo\.app/);
    assert.match(text, /dialect\s+v1/);
    assert.match(text, /profile\s+full-10k: peak 10,000 concurrent visitors, 1440 s/);
    assert.match(text, /peak rate\s+about 12,500 requests\/s/);
  });

  it('for renders: renders in flight, and no widget host', () => {
    const text = banner(plan('render'));
    assert.match(text, /render scenario/);
    assert.match(text, /profile\s+full-500: peak 500 concurrent renders in flight, 1020 s/);
    assert.doesNotMatch(text, /widget/);
  });

  it('never contains credentials', () => {
    const p = { ...plan('render'), credentials: { dialect: 'v1' as const, email: 'ops@luneo.app', password: 'pw-very-secret' } };
    assert.doesNotMatch(banner(p), /pw-very-secret/);
  });
});

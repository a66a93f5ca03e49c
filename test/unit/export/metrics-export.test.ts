import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeExport,
  exportEnabled,
  exportProcessEnv,
  exportSecrets,
  MetricsExportError,
  otlpMetricsUrl,
  parseOtlpHeaders,
  publishMetricsConfig,
  readExportSettings,
  tagList,
} from '../../../src/export/metrics-export.ts';

const TAGS = { scenario: 'embed', environment: 'staging', dialect: 'v1' };
const KEY = 'dd0123456789abcdef0123456789abcd';

function refused(env: Record<string, string>, pattern: RegExp): string {
  let message = '';
  assert.throws(
    () => readExportSettings(env),
    (err: unknown) => {
      message = (err as Error).message;
      return err instanceof MetricsExportError && pattern.test(message);
    },
  );
  return message;
}

describe('readExportSettings: opt-in', () => {
  it('nothing set, or only blank values (an empty CI secret): no export', () => {
    for (const env of [{}, { LUNEO_OTLP_ENDPOINT: '', LUNEO_PROMETHEUS_PUSHGATEWAY: '  ', LUNEO_DATADOG_API_KEY: '' }]) {
      const r = readExportSettings(env);
      assert.deepEqual(r.settings, {});
      assert.equal(exportEnabled(r.settings), false);
      assert.deepEqual(publishMetricsConfig(r.settings, TAGS), []);
    }
  });

  it('each variable turns on its reporter, all three together', () => {
    const r = readExportSettings({
      LUNEO_PROMETHEUS_PUSHGATEWAY: 'http://pushgateway:9091',
      LUNEO_OTLP_ENDPOINT: 'http://otel-collector:4318',
      LUNEO_DATADOG_API_KEY: KEY,
    });
    assert.equal(exportEnabled(r.settings), true);
    assert.deepEqual(
      publishMetricsConfig(r.settings, TAGS).map((c) => c.type),
      ['prometheus', 'open-telemetry', 'datadog'],
    );
    assert.deepEqual(r.warnings, []);
  });

  it('headers without an endpoint, or a site without a key, do nothing and say so', () => {
    const r = readExportSettings({ LUNEO_OTLP_HEADERS: 'a=b', LUNEO_DATADOG_SITE: 'datadoghq.eu' });
    assert.deepEqual(r.settings, {});
    assert.equal(r.warnings.length, 2);
    assert.match(r.warnings[0]!, /LUNEO_OTLP_HEADERS is set but LUNEO_OTLP_ENDPOINT is not/);
    assert.match(r.warnings[1]!, /LUNEO_DATADOG_SITE is set but LUNEO_DATADOG_API_KEY is not/);
  });
});

describe('readExportSettings: malformed values', () => {
  it('a URL without a scheme names the variable and shows an example', () => {
    refused({ LUNEO_OTLP_ENDPOINT: 'otel-collector:4318' }, /LUNEO_OTLP_ENDPOINT must start with http:\/\/ or https:\/\/, such as http:\/\/otel-collector:4318 \(it starts with "otel-collector:"\)/);
    refused({ LUNEO_PROMETHEUS_PUSHGATEWAY: 'pushgateway' }, /LUNEO_PROMETHEUS_PUSHGATEWAY is not a URL: expected something like http:\/\/pushgateway:9091/);
    refused({ LUNEO_PROMETHEUS_PUSHGATEWAY: 'ftp://pg:9091' }, /LUNEO_PROMETHEUS_PUSHGATEWAY must start with http:\/\/ or https:\/\//);
  });

  it('every problem at once, ending with "Nothing was sent."', () => {
    const m = refused({ LUNEO_OTLP_ENDPOINT: 'nope', LUNEO_PROMETHEUS_PUSHGATEWAY: 'nope', LUNEO_DATADOG_API_KEY: 'a b' }, /^metrics export: .*Nothing was sent\.$/);
    assert.match(m, /LUNEO_PROMETHEUS_PUSHGATEWAY/);
    assert.match(m, /LUNEO_OTLP_ENDPOINT/);
    assert.match(m, /LUNEO_DATADOG_API_KEY contains white space/);
  });

  it('never repeats a secret: URL credentials, header values, the Datadog key', () => {
    const m = refused(
      { LUNEO_PROMETHEUS_PUSHGATEWAY: 'gopher://user:s3cret-pass@pg', LUNEO_OTLP_ENDPOINT: 'http://c:4318', LUNEO_OTLP_HEADERS: 'api-key=hunter2-token,broken', LUNEO_DATADOG_API_KEY: `${KEY} x` },
      /metrics export/,
    );
    for (const secret of ['s3cret-pass', 'hunter2-token', KEY]) assert.ok(!m.includes(secret), `${secret} not in: ${m}`);
  });

  it('a Datadog site with a scheme or that is not a host name', () => {
    refused({ LUNEO_DATADOG_API_KEY: KEY, LUNEO_DATADOG_SITE: 'https://datadoghq.eu' }, /LUNEO_DATADOG_SITE is a host name without a scheme, such as datadoghq\.eu/);
    refused({ LUNEO_DATADOG_API_KEY: KEY, LUNEO_DATADOG_SITE: 'eu' }, /LUNEO_DATADOG_SITE is not a Datadog site/);
  });
});

describe('OTLP endpoint and headers', () => {
  it('a base URL gets /v1/metrics, as OTEL_EXPORTER_OTLP_ENDPOINT does; a full metrics URL stays', () => {
    const cases: [string, string][] = [
      ['http://otel-collector:4318', 'http://otel-collector:4318/v1/metrics'],
      ['http://otel-collector:4318/', 'http://otel-collector:4318/v1/metrics'],
      ['https://otlp.example.net/otlp', 'https://otlp.example.net/otlp/v1/metrics'],
      ['https://otlp.example.net/otlp/', 'https://otlp.example.net/otlp/v1/metrics'],
      ['http://c:4318/v1/metrics', 'http://c:4318/v1/metrics'],
    ];
    for (const [input, expected] of cases) assert.equal(otlpMetricsUrl(new URL(input)), expected, input);
    assert.equal(readExportSettings({ LUNEO_OTLP_ENDPOINT: ' http://c:4318 ' }).settings.otlp?.endpoint, 'http://c:4318/v1/metrics');
  });

  it('headers: k=v,k2=v2, names lower-cased, values percent-decoded and allowed to contain "="', () => {
    assert.deepEqual(parseOtlpHeaders('Authorization=Basic%20dXNlcjpwYXNz,x-scope-orgid = team-a , k=YWJj=='), {
      authorization: 'Basic dXNlcjpwYXNz',
      'x-scope-orgid': 'team-a',
      k: 'YWJj==',
    });
    assert.deepEqual(parseOtlpHeaders('a=100%'), { a: '100%' }, 'a lone % is kept as it is');
    assert.deepEqual(parseOtlpHeaders('a=1,,'), { a: '1' }, 'empty entries are skipped');
  });

  it('malformed headers: the entry is named, its value is not', () => {
    assert.match(String(parseOtlpHeaders('a=1,secretvalue')), /LUNEO_OTLP_HEADERS: entry 2 of 2 has no "="/);
    assert.doesNotMatch(String(parseOtlpHeaders('a=1,secretvalue')), /secretvalue/);
    assert.match(String(parseOtlpHeaders('bad name=1')), /entry 1 of 1 has no valid header name/);
    assert.match(String(parseOtlpHeaders('=1')), /no valid header name/);
    assert.match(String(parseOtlpHeaders('a=x%0Dy')), /the value of header "a" contains a line break/);
  });
});

describe('publishMetricsConfig', () => {
  const settings = readExportSettings({
    LUNEO_PROMETHEUS_PUSHGATEWAY: 'https://user:pw-123456@pushgateway.example.net:9091/',
    LUNEO_OTLP_ENDPOINT: 'https://otlp.example.net/otlp',
    LUNEO_OTLP_HEADERS: 'api-key=hdr-secret-1',
    LUNEO_DATADOG_API_KEY: KEY,
    LUNEO_DATADOG_SITE: 'app.datadoghq.eu',
  }).settings;

  it('tags every reporter with scenario, environment and dialect; names stay as emitted (no renaming options)', () => {
    assert.deepEqual(publishMetricsConfig(settings, TAGS), [
      { type: 'prometheus', pushgateway: 'https://user:pw-123456@pushgateway.example.net:9091', tags: ['scenario:embed', 'environment:staging', 'dialect:v1'] },
      {
        type: 'open-telemetry',
        serviceName: 'luneo-load-tests',
        metrics: {
          exporter: 'otlp-http',
          endpoint: 'https://otlp.example.net/otlp/v1/metrics',
          headers: { 'api-key': 'hdr-secret-1' },
          attributes: { scenario: 'embed', environment: 'staging', dialect: 'v1' },
        },
      },
      { type: 'datadog', apiKey: KEY, tags: ['scenario:embed', 'environment:staging', 'dialect:v1'], event: { send: false } },
    ]);
  });

  it('no headers key when no headers were given', () => {
    const otlp = publishMetricsConfig(readExportSettings({ LUNEO_OTLP_ENDPOINT: 'http://c:4318' }).settings, TAGS)[0];
    assert.ok(otlp?.type === 'open-telemetry');
    assert.equal('headers' in otlp.metrics, false);
  });

  it('the Datadog site reaches the client as DATADOG_SITE, without "app."', () => {
    assert.deepEqual(exportProcessEnv(settings), { DATADOG_SITE: 'datadoghq.eu' });
    assert.deepEqual(exportProcessEnv(readExportSettings({ LUNEO_DATADOG_API_KEY: KEY }).settings), {});
  });

  it('a colon inside a tag value cannot split the tag', () => {
    assert.deepEqual(tagList({ scenario: 'a:b', environment: 'local', dialect: 'seed' }), ['scenario:a_b', 'environment:local', 'dialect:seed']);
  });

  it('the printable description and the secrets list', () => {
    const line = describeExport(settings);
    assert.equal(line, 'Prometheus pushgateway https://pushgateway.example.net:9091, OTLP/HTTP https://otlp.example.net/otlp/v1/metrics (1 header), Datadog (datadoghq.eu)');
    assert.deepEqual(exportSecrets(settings).sort(), [KEY, 'hdr-secret-1', 'pw-123456'].sort());
  });
});

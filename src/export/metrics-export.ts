import type { Env } from '../config/env.ts';
/**
 * Which of Artillery's publish-metrics reporters a run turns on, read from
 * environment variables only, so that exporting needs no edit to the
 * scenario files and the Datadog key never sits in a file. Pure: the luneo
 * plugin does the wiring (plugins/artillery-plugin-luneo/index.ts).
 *
 * Metric names are left as Artillery and this package emit them
 * (`http.requests`, `luneo_embed_token_ms.p95`, …); every series carries the
 * tags scenario, environment and dialect so runs can be told apart on a
 * shared dashboard.
 */


export const EXPORT_VARIABLES = {
  pushgateway: 'LUNEO_PROMETHEUS_PUSHGATEWAY',
  otlpEndpoint: 'LUNEO_OTLP_ENDPOINT',
  otlpHeaders: 'LUNEO_OTLP_HEADERS',
  datadogApiKey: 'LUNEO_DATADOG_API_KEY',
  datadogSite: 'LUNEO_DATADOG_SITE',
} as const;

export const OTLP_SERVICE_NAME = 'luneo-load-tests';

export class MetricsExportError extends Error {
  override name = 'MetricsExportError';
}

export interface ExportSettings {
  prometheus?: { pushgateway: string };
  otlp?: { endpoint: string; headers: Record<string, string> };
  datadog?: { apiKey: string; site?: string };
}

export interface RunTags {
  scenario: string;
  environment: string;
  dialect: string;
}

export interface PrometheusReporterConfig {
  type: 'prometheus';
  pushgateway: string;
  tags: string[];
}

export interface OtelReporterConfig {
  type: 'open-telemetry';
  serviceName: string;
  metrics: {
    exporter: 'otlp-http';
    endpoint: string;
    headers?: Record<string, string>;
    attributes: Record<string, string>;
  };
}

export interface DatadogReporterConfig {
  type: 'datadog';
  apiKey: string;
  tags: string[];
  event: { send: false };
}

export type ReporterConfig = PrometheusReporterConfig | OtelReporterConfig | DatadogReporterConfig;

/** An unset or blank variable means "off", so a CI job can pass an empty secret through. */
function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/**
 * An http(s) URL, or the reason it is not one. The value itself stays out
 * of the message: a pushgateway URL may carry basic-auth credentials.
 */
function httpUrl(name: string, text: string, example: string): URL | string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return `${name} is not a URL: expected something like ${example}`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return `${name} must start with http:// or https://, such as ${example} (it starts with "${u.protocol}")`;
  }
  if (u.hostname === '') return `${name} has no host name: expected something like ${example}`;
  return u;
}

/**
 * The OTLP/HTTP metrics URL from LUNEO_OTLP_ENDPOINT. Like OpenTelemetry's
 * own OTEL_EXPORTER_OTLP_ENDPOINT, the variable is the collector's base URL
 * and the signal path /v1/metrics is appended; a URL that already ends in
 * /v1/metrics is taken as it is, so both spellings people copy work.
 */
export function otlpMetricsUrl(base: URL): string {
  const u = new URL(base.href);
  if (!/\/v1\/metrics\/?$/.test(u.pathname)) u.pathname = `${u.pathname.replace(/\/+$/, '')}/v1/metrics`;
  return u.href;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * `k=v,k2=v2`, the format of OTEL_EXPORTER_OTLP_HEADERS: values may be
 * percent-encoded and may contain `=` (base64). Messages name the entry, never
 * its value, which is usually a credential.
 */
export function parseOtlpHeaders(text: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  const entries = text.split(',');
  for (const [i, entry] of entries.entries()) {
    if (entry.trim() === '') continue;
    const eq = entry.indexOf('=');
    const key = (eq < 0 ? entry : entry.slice(0, eq)).trim();
    const where = `entry ${i + 1} of ${entries.length}`;
    if (eq < 0) return `${EXPORT_VARIABLES.otlpHeaders}: ${where} has no "=": expected name=value pairs separated by commas, like api-key=…,x-team=…`;
    if (!HEADER_NAME.test(key)) return `${EXPORT_VARIABLES.otlpHeaders}: ${where} has no valid header name before "="`;
    let v = entry.slice(eq + 1).trim();
    try {
      v = decodeURIComponent(v);
    } catch {
      // A literal % that is not an escape: the value was not encoded, keep it.
    }
    if (/[\r\n]/.test(v)) return `${EXPORT_VARIABLES.otlpHeaders}: the value of header "${key}" contains a line break`;
    out[key.toLowerCase()] = v;
  }
  return out;
}

/** `datadoghq.eu`, `us5.datadoghq.com`: a host name, or the reason it is not one; `app.` is dropped as the Datadog client does. */
function datadogSite(text: string): { site: string } | string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    return `${EXPORT_VARIABLES.datadogSite} is a host name without a scheme, such as datadoghq.eu or us5.datadoghq.com`;
  }
  const site = text.toLowerCase().replace(/^app\./, '');
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(site)) {
    return `${EXPORT_VARIABLES.datadogSite} is not a Datadog site: use a host name such as datadoghq.eu or us5.datadoghq.com`;
  }
  return { site };
}

export interface ExportRead {
  settings: ExportSettings;
  /** variables that were set but do nothing on their own */
  warnings: string[];
}

/** Reads and checks the export variables; a MetricsExportError lists every problem at once. */
export function readExportSettings(env: Env): ExportRead {
  const V = EXPORT_VARIABLES;
  const problems: string[] = [];
  const warnings: string[] = [];
  const settings: ExportSettings = {};

  const pushgateway = value(env, V.pushgateway);
  if (pushgateway !== undefined) {
    const u = httpUrl(V.pushgateway, pushgateway, 'http://pushgateway:9091');
    // prom-client appends /metrics/job/…: a trailing slash would double it.
    if (typeof u === 'string') problems.push(u);
    else settings.prometheus = { pushgateway: u.href.replace(/\/+$/, '') };
  }

  const endpoint = value(env, V.otlpEndpoint);
  const headersText = value(env, V.otlpHeaders);
  if (endpoint !== undefined) {
    const u = httpUrl(V.otlpEndpoint, endpoint, 'http://otel-collector:4318');
    const headers = headersText === undefined ? {} : parseOtlpHeaders(headersText);
    if (typeof u === 'string') problems.push(u);
    if (typeof headers === 'string') problems.push(headers);
    if (typeof u !== 'string' && typeof headers !== 'string') settings.otlp = { endpoint: otlpMetricsUrl(u), headers };
  } else if (headersText !== undefined) {
    warnings.push(`${V.otlpHeaders} is set but ${V.otlpEndpoint} is not: no OTLP export`);
  }

  const apiKey = value(env, V.datadogApiKey);
  const site = value(env, V.datadogSite);
  if (apiKey !== undefined) {
    const dd: { apiKey: string; site?: string } = { apiKey };
    const where = site === undefined ? undefined : datadogSite(site);
    if (/\s/.test(apiKey)) problems.push(`${V.datadogApiKey} contains white space: paste the API key alone`);
    if (typeof where === 'string') problems.push(where);
    else if (where !== undefined) dd.site = where.site;
    settings.datadog = dd;
  } else if (site !== undefined) {
    warnings.push(`${V.datadogSite} is set but ${V.datadogApiKey} is not: no Datadog export`);
  }

  if (problems.length > 0) throw new MetricsExportError(`metrics export: ${problems.join('; ')}. Nothing was sent.`);
  return { settings, warnings };
}

export function exportEnabled(s: ExportSettings): boolean {
  return s.prometheus !== undefined || s.otlp !== undefined || s.datadog !== undefined;
}

/** `key:value`, the tag form both the Prometheus and the Datadog reporters take. */
export function tagList(t: RunTags): string[] {
  // Both reporters split a tag at its first ':'; a colon inside a value would truncate it.
  const clean = (v: string) => v.replace(/:/g, '_');
  return [`scenario:${clean(t.scenario)}`, `environment:${clean(t.environment)}`, `dialect:${clean(t.dialect)}`];
}

/** The `config.plugins.publish-metrics` list for these settings. */
export function publishMetricsConfig(s: ExportSettings, t: RunTags): ReporterConfig[] {
  const reporters: ReporterConfig[] = [];
  if (s.prometheus) reporters.push({ type: 'prometheus', pushgateway: s.prometheus.pushgateway, tags: tagList(t) });
  if (s.otlp) {
    const metrics: OtelReporterConfig['metrics'] = {
      exporter: 'otlp-http',
      endpoint: s.otlp.endpoint,
      attributes: { scenario: t.scenario, environment: t.environment, dialect: t.dialect },
    };
    if (Object.keys(s.otlp.headers).length > 0) metrics.headers = { ...s.otlp.headers };
    reporters.push({ type: 'open-telemetry', serviceName: OTLP_SERVICE_NAME, metrics });
  }
  if (s.datadog) {
    // Start/finish events go through a client that crashes the process when
    // Datadog cannot be reached (it reads the response of a failed request)
    // and ignores the site: metrics only.
    reporters.push({ type: 'datadog', apiKey: s.datadog.apiKey, tags: tagList(t), event: { send: false } });
  }
  return reporters;
}

/**
 * Variables the export needs in the process itself. The Datadog site goes
 * to the Datadog client as DATADOG_SITE: publish-metrics' own option for it
 * (`apiHost`) makes the client print a deprecation warning on every run.
 */
export function exportProcessEnv(s: ExportSettings): Record<string, string> {
  return s.datadog?.site !== undefined ? { DATADOG_SITE: s.datadog.site } : {};
}

/** Scheme, host and path only: no credentials, no query. */
function printable(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname === '/' ? '' : u.pathname}`;
}

/** One line for the operator, safe to print: no key, no header value, no URL credentials. */
export function describeExport(s: ExportSettings): string {
  const parts: string[] = [];
  if (s.prometheus) parts.push(`Prometheus pushgateway ${printable(s.prometheus.pushgateway)}`);
  if (s.otlp) {
    const n = Object.keys(s.otlp.headers).length;
    parts.push(`OTLP/HTTP ${printable(s.otlp.endpoint)}${n > 0 ? ` (${n} header${n === 1 ? '' : 's'})` : ''}`);
  }
  if (s.datadog) parts.push(`Datadog (${s.datadog.site ?? 'datadoghq.com'})`);
  return parts.join(', ');
}

/** Every secret the settings hold, for redaction of anything printed. */
export function exportSecrets(s: ExportSettings): string[] {
  const out: string[] = [];
  if (s.datadog) out.push(s.datadog.apiKey);
  if (s.otlp) out.push(...Object.values(s.otlp.headers));
  for (const url of [s.prometheus?.pushgateway, s.otlp?.endpoint]) {
    if (url === undefined) continue;
    const u = new URL(url);
    if (u.password) out.push(decodeURIComponent(u.password));
  }
  return out.filter((v) => v.length >= 4);
}

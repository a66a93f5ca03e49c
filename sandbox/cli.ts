/**
 * `npm run sandbox`: the local Luneo API (both dialects) and widget host in
 * the foreground. Bad flags exit 2 with one line and the usage; a port in
 * use exits 1.
 */
import { parseArgs } from 'node:util';
import { FaultsError, parseFaultsPatch } from './faults.ts';
import { startSandbox } from './index.ts';
import type { Sandbox } from './index.ts';
import { CLI_API_PORT, CLI_WIDGET_PORT, DEFAULTS } from './options.ts';
import type { FaultsPatch, SandboxOptionsInput } from './types.ts';

/** Prisma's default connection_limit on a 2-CPU host: num_cpus × 2 + 1. */
const DEFAULT_POOL_SIZE = 5;

/** Every option once: parseArgs reads the type, the usage is written from the rest. */
const OPTIONS = {
  port: { type: 'string', arg: 'N', help: `API port (default ${CLI_API_PORT})` },
  'widget-port': { type: 'string', arg: 'N', help: `widget host port (default ${CLI_WIDGET_PORT})` },
  host: { type: 'string', arg: 'ADDR', help: `loopback address to bind (default ${DEFAULTS.host})` },
  'time-factor': { type: 'string', arg: 'X', help: 'multiply render processing times (default 1; 0.01 = 100x faster)' },
  'worker-concurrency': { type: 'string', arg: 'N', help: `render worker slots (default ${DEFAULTS.render.workerConcurrency})` },
  'job-failure-rate': { type: 'string', arg: 'P', help: 'probability 0..1 that a render fails (default 0)' },
  'rate-limit': { type: 'string', arg: 'N/SECONDS', help: 'N requests per window per client, e.g. 100/60 (default off)' },
  'rate-limit-scope': { type: 'string', arg: 'S', help: 'all | embed (default all)' },
  limiter: {
    type: 'string',
    arg: 'STYLE',
    help: "fixed | throttler (the platform's development ThrottlerGuard: embed token route, X-RateLimit-*) | express (production: every path, RateLimit-Policy)",
  },
  'slow-down': { type: 'boolean', help: "production's express-slow-down: +500 ms per request after the 100th in 15 min" },
  platform: {
    type: 'boolean',
    help: "the platform's real code: health/metrics need the user token, no validate route, prioritized backlog, same-second logins answer 500, strict refresh rotation",
  },
  'health-auth': { type: 'boolean', help: 'v1 health and metrics need the user token' },
  'no-validate-route': { type: 'boolean', help: 'no POST embed/validate route (404)' },
  'cookie-login': { type: 'boolean', help: 'v1 login puts the tokens only in httpOnly cookies (mainline)' },
  'sync-render': { type: 'boolean', help: 'v1 render/2d|3d answer with the finished render (mainline)' },
  prioritized: { type: 'boolean', help: "every v1 job gets a priority: the backlog is in BullMQ's prioritized state" },
  'concurrent-login-500': { type: 'boolean', help: 'a second login of one user within the same second answers 500' },
  'access-token-ttl': { type: 'string', arg: 'SEC', help: `v1 access token lifetime (default ${DEFAULTS.accessTokenTtlSec})` },
  faults: { type: 'string', arg: 'JSON', help: `initial faults, e.g. '{"errors":{"embed.token":0.05}}'` },
  backed: { type: 'boolean', help: 'shops in PostgreSQL, nonces in Redis, renders through BullMQ, metrics from prom-client: needs LUNEO_SANDBOX_POSTGRES_URL and LUNEO_SANDBOX_REDIS_URL' },
  'pool-size': { type: 'string', arg: 'N', help: `the backed API's PostgreSQL pool size (default ${DEFAULT_POOL_SIZE})` },
  'query-ms': { type: 'string', arg: 'N', help: 'backed: each shop lookup takes N ms in the database (pg_sleep; default 0)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
} as const satisfies Record<string, { type: 'string' | 'boolean'; arg?: string; short?: string; help: string }>;

/** The usage, from the table: each option's help wrapped at 110 columns beside its name. */
function usage(): string {
  const lines = ['Usage: node sandbox/cli.ts [options]', ''];
  for (const [name, o] of Object.entries(OPTIONS)) {
    const flag = `${'short' in o ? `-${o.short}, ` : ''}--${name}${'arg' in o ? ` ${o.arg}` : ''}`;
    const words = o.help.split(' ');
    let line = `  ${flag.padEnd(26)}`;
    for (const w of words) {
      if (line.length + w.length > 110 && line.trim() !== flag) {
        lines.push(line.trimEnd());
        line = ' '.repeat(28);
      }
      line += `${w} `;
    }
    lines.push(line.trimEnd());
  }
  return lines.join('\n');
}
const USAGE = usage();

class UsageError extends Error {}

function integer(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  return Number(raw);
}

function decimal(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}, got '${raw}'`);
  return n;
}

export function parseCli(argv: string[]): { help: true } | { help: false; options: SandboxOptionsInput } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: OPTIONS,

    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return { help: true };
  const options: SandboxOptionsInput = {
    apiPort: values.port === undefined ? CLI_API_PORT : integer('port', values.port, 0, 65535),
    widgetPort: values['widget-port'] === undefined ? CLI_WIDGET_PORT : integer('widget-port', values['widget-port'], 0, 65535),
  };
  if (values.host !== undefined) options.host = values.host;
  const render: NonNullable<SandboxOptionsInput['render']> = {};
  if (values['time-factor'] !== undefined) render.timeFactor = decimal('time-factor', values['time-factor'], 0, 1000);
  if (values['worker-concurrency'] !== undefined) render.workerConcurrency = integer('worker-concurrency', values['worker-concurrency'], 1, 10000);
  if (values['sync-render']) render.synchronous = true;
  if (values.prioritized || values.platform) render.prioritized = true;
  options.render = render;
  const platform: NonNullable<SandboxOptionsInput['platform']> = {};
  if (values['health-auth'] || values.platform) platform.healthRequiresUser = true;
  if (values['no-validate-route'] || values.platform) platform.noValidateRoute = true;
  if (values['cookie-login']) platform.loginTokens = 'cookie';
  if (values['concurrent-login-500'] || values.platform) platform.concurrentLogin500 = true;
  if (values.platform) platform.strictRefreshRotation = true;
  options.platform = platform;
  if (values['rate-limit'] !== undefined) {
    const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(values['rate-limit']);
    if (m === null || Number(m[2]) <= 0) throw new UsageError(`--rate-limit must look like N/SECONDS (e.g. 100/60), got '${values['rate-limit']}'`);
    options.rateLimit = { limit: Number(m[1]), windowSec: Number(m[2]) };
  }
  if (values['rate-limit-scope'] !== undefined) {
    const scope = values['rate-limit-scope'];
    if (scope !== 'all' && scope !== 'embed') throw new UsageError(`--rate-limit-scope must be 'all' or 'embed', got '${scope}'`);
    options.rateLimit = { ...options.rateLimit, scope };
  }
  if (values.limiter !== undefined) {
    const style = values.limiter;
    if (style !== 'fixed' && style !== 'throttler' && style !== 'express') throw new UsageError(`--limiter must be fixed, throttler or express, got '${style}'`);
    options.rateLimit = { ...options.rateLimit, style };
  }
  if (values['slow-down']) options.rateLimit = { ...options.rateLimit, slowDown: true };
  if (values['access-token-ttl'] !== undefined) options.accessTokenTtlSec = decimal('access-token-ttl', values['access-token-ttl'], 0.001, 31_536_000);
  let faults: FaultsPatch = {};
  if (values.faults !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values.faults);
    } catch (err) {
      throw new UsageError(`--faults is not valid JSON: ${(err as Error).message}`);
    }
    try {
      faults = parseFaultsPatch(parsed);
    } catch (err) {
      if (err instanceof FaultsError) throw new UsageError(`--faults: ${err.message}`);
      throw err;
    }
  }
  if (values['job-failure-rate'] !== undefined) {
    faults = { ...faults, jobs: { ...faults.jobs, failureRate: decimal('job-failure-rate', values['job-failure-rate'], 0, 1) } };
  }
  options.faults = faults;
  for (const flag of ['pool-size', 'query-ms'] as const) if (values[flag] !== undefined && !values.backed) throw new UsageError(`--${flag} needs --backed`);
  if (values.backed) {
    const postgresUrl = process.env.LUNEO_SANDBOX_POSTGRES_URL?.trim();
    const redisUrl = process.env.LUNEO_SANDBOX_REDIS_URL?.trim();
    if (!postgresUrl || !redisUrl) throw new UsageError('--backed needs LUNEO_SANDBOX_POSTGRES_URL and LUNEO_SANDBOX_REDIS_URL (postgresql://… and redis://…) in the environment');
    const poolSize = values['pool-size'] === undefined ? DEFAULT_POOL_SIZE : integer('pool-size', values['pool-size'], 1, 1000);
    options.backed = { postgresUrl, redisUrl, poolSize };
    if (values['query-ms'] !== undefined) options.backed.queryMs = integer('query-ms', values['query-ms'], 0, 60_000);
  }
  return { help: false, options };
}

function banner(sb: Sandbox): string {
  const o = sb.options;
  const user = o.users[0];
  const rl =
    (o.rateLimit.limit > 0 ? `${o.rateLimit.limit} requests per ${o.rateLimit.windowSec} s per client (${o.rateLimit.style === 'fixed' ? o.rateLimit.scope : o.rateLimit.style})` : 'off') +
    (o.rateLimit.slowDown ? ', slow-down +500 ms after 100 requests in 15 min' : '');
  return [
    'Luneo sandbox running (both API dialects: seed /api/..., v1 /api/v1/...)',
    `  API          ${sb.apiUrl}`,
    `  Widget       ${sb.widgetUrl}`,
    `  Seed API key ${o.apiKeys[0] ?? '(none)'}   (Authorization: Bearer <key>)`,
    user ? `  v1 login     ${user.email} / ${user.password}   (POST /api/v1/auth/login; sandbox-only credentials)` : '  v1 login     (no users)',
    `  Admin        GET|PUT|PATCH ${sb.apiUrl}/__admin/faults, GET ${sb.apiUrl}/__admin/stats, POST ${sb.apiUrl}/__admin/reset`,
    `  Rate limit   ${rl}`,
    `  Render       time factor ${o.render.timeFactor}, ${o.render.workerConcurrency} workers, queue limit ${o.render.queueLimit}`,
    `  Backing      ${o.backed ? `PostgreSQL pool of ${o.backed.poolSize}, Redis nonces, BullMQ render-processing, prom-client metrics` : 'in memory'}`,
    '  Stop with Ctrl+C',
  ].join('\n');
}

function summaryLoop(sb: Sandbox): NodeJS.Timeout {
  let last = sb.stats();
  const timer = setInterval(() => {
    const now = sb.stats();
    const requests = now.requests.total - last.requests.total;
    if (requests > 0) {
      const t = new Date().toISOString().slice(11, 19);
      console.log(
        `[${t}] ${requests} requests (${Math.round(requests / 10)}/s), 429 ${now.rateLimited.total - last.rateLimited.total}, ` +
          `early retries ${now.earlyRetries.total - last.earlyRetries.total}, handshakes ${now.embed.validationsOk - last.embed.validationsOk}, ` +
          `renders ${now.render.active} active / ${now.render.waiting} waiting / ${now.render.completed} done / ${now.render.failed} failed`,
      );
    }
    last = now;
  }, 10_000);
  timer.unref();
  return timer;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseCli(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`sandbox: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    console.log(USAGE);
    return 0;
  }
  let sb: Sandbox;
  try {
    sb = await startSandbox(parsed.options);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
    if (e.code === 'EADDRINUSE') {
      console.error(`sandbox: ${e.address}:${e.port} is already in use (another sandbox running? pick a port with --port / --widget-port)`);
      return 1;
    }
    if (err instanceof RangeError || err instanceof FaultsError) {
      console.error(`sandbox: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`sandbox: cannot start: ${e.message}`);
    return 1;
  }
  console.log(banner(sb));
  const timer = summaryLoop(sb);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string): void => {
      process.removeAllListeners('SIGINT');
      process.removeAllListeners('SIGTERM');
      // A second signal while closing exits at once.
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      console.log(`\nsandbox: ${signal}, stopping`);
      clearInterval(timer);
      sb.stop().then(resolve, resolve);
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
  console.log('sandbox: stopped');
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`sandbox: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);

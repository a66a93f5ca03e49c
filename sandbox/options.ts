import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultFaults, mergeFaults, parseFaultsPatch } from './faults.ts';
import type { RenderType, SandboxOptions, SandboxOptionsInput, SandboxUser } from './types.ts';

export const DEFAULT_SHOPS_FILE = resolve(import.meta.dirname, '../data/shops.csv');

/** Every default in one place; ports are 0 (any free port) for programmatic use, the CLI picks 4010/4011. */
export const DEFAULTS = {
  host: '127.0.0.1',
  apiPort: 0,
  widgetPort: 0,
  apiKeys: ['sandbox-api-key'],
  users: [{ email: 'loadtest@luneo.local', password: 'sandbox-password', brandId: 'brand-1' }] as SandboxUser[],
  accessTokenTtlSec: 900,
  refreshTokenTtlSec: 604800,
  embedTokenTtlSec: 300,
  nonceTtlSec: 600,
  render: {
    timeFactor: 1,
    workerConcurrency: 4,
    queueLimit: 10000,
    quotaPerUser: 0,
    processingMs: { '2d': [5000, 15000], '3d': [30000, 120000], ar: [10000, 30000] } as Record<RenderType, [number, number]>,
    synchronous: false,
    prioritized: false,
  },
  rateLimit: { limit: 0, windowSec: 60, scope: 'all' as 'all' | 'embed', style: 'fixed' as 'fixed' | 'throttler' | 'express', slowDown: false },
  platform: { healthRequiresUser: false, noValidateRoute: false, loginTokens: 'body' as 'body' | 'cookie', concurrentLogin500: false, strictRefreshRotation: false },
  clientIdentity: 'credential' as 'credential' | 'address',
  earlyRetryGraceMs: 100,
} as const;

export const CLI_API_PORT = 4010;
export const CLI_WIDGET_PORT = 4011;

/** The sandbox must never listen beyond this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export function readShopsCsv(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read active shops from ${file} (${(err as Error).message}); pass the activeShops option instead`);
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines[0]?.toLowerCase() === 'shop') lines.shift();
  return lines;
}

export function resolveOptions(input: SandboxOptionsInput = {}): SandboxOptions {
  const render = input.render ?? {};
  const options: SandboxOptions = {
    host: input.host ?? DEFAULTS.host,
    apiPort: input.apiPort ?? DEFAULTS.apiPort,
    widgetPort: input.widgetPort ?? DEFAULTS.widgetPort,
    apiKeys: [...(input.apiKeys ?? DEFAULTS.apiKeys)],
    users: (input.users ?? DEFAULTS.users).map((u) => ({ ...u })),
    accessTokenTtlSec: input.accessTokenTtlSec ?? DEFAULTS.accessTokenTtlSec,
    refreshTokenTtlSec: input.refreshTokenTtlSec ?? DEFAULTS.refreshTokenTtlSec,
    embedTokenTtlSec: input.embedTokenTtlSec ?? DEFAULTS.embedTokenTtlSec,
    nonceTtlSec: input.nonceTtlSec ?? DEFAULTS.nonceTtlSec,
    activeShops: [...(input.activeShops ?? readShopsCsv(DEFAULT_SHOPS_FILE))],
    render: {
      timeFactor: render.timeFactor ?? DEFAULTS.render.timeFactor,
      workerConcurrency: render.workerConcurrency ?? DEFAULTS.render.workerConcurrency,
      queueLimit: render.queueLimit ?? DEFAULTS.render.queueLimit,
      quotaPerUser: render.quotaPerUser ?? DEFAULTS.render.quotaPerUser,
      processingMs: { ...DEFAULTS.render.processingMs, ...render.processingMs },
      synchronous: render.synchronous ?? DEFAULTS.render.synchronous,
      prioritized: render.prioritized ?? DEFAULTS.render.prioritized,
    },
    rateLimit: { ...DEFAULTS.rateLimit, ...input.rateLimit },
    platform: { ...DEFAULTS.platform, ...input.platform },
    clientIdentity: input.clientIdentity ?? DEFAULTS.clientIdentity,
    earlyRetryGraceMs: input.earlyRetryGraceMs ?? DEFAULTS.earlyRetryGraceMs,
    ...(input.backed ? { backed: { ...input.backed } } : {}),
    faults: mergeFaults(defaultFaults(), parseFaultsPatch(input.faults ?? {})),
    signingSecret: input.signingSecret ?? randomBytes(32).toString('hex'),
  };
  checkOptions(options);
  return options;
}

function checkOptions(o: SandboxOptions): void {
  const fail = (msg: string): never => {
    throw new RangeError(`invalid sandbox option: ${msg}`);
  };
  if (!isLoopbackHost(o.host)) fail(`host ${JSON.stringify(o.host)} is not a loopback address (use 127.0.0.1, ::1 or localhost)`);
  for (const [name, port] of [['apiPort', o.apiPort], ['widgetPort', o.widgetPort]] as const) {
    if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`${name} must be an integer 0..65535, got ${port}`);
  }
  for (const name of ['accessTokenTtlSec', 'refreshTokenTtlSec', 'embedTokenTtlSec', 'nonceTtlSec'] as const) {
    if (!(Number.isFinite(o[name]) && o[name] > 0)) fail(`${name} must be a positive number, got ${o[name]}`);
  }
  if (!(Number.isFinite(o.earlyRetryGraceMs) && o.earlyRetryGraceMs >= 0)) fail(`earlyRetryGraceMs must be >= 0`);
  if (o.apiKeys.some((k) => typeof k !== 'string' || k === '')) fail('apiKeys must be non-empty strings');
  if (o.users.some((u) => !u.email || !u.password || !u.brandId)) fail('every user needs email, password and brandId');
  const r = o.render;
  if (!(Number.isFinite(r.timeFactor) && r.timeFactor >= 0)) fail(`render.timeFactor must be >= 0, got ${r.timeFactor}`);
  if (!(Number.isInteger(r.workerConcurrency) && r.workerConcurrency >= 1)) fail(`render.workerConcurrency must be an integer >= 1, got ${r.workerConcurrency}`);
  if (!(Number.isInteger(r.queueLimit) && r.queueLimit >= 0)) fail(`render.queueLimit must be an integer >= 0, got ${r.queueLimit}`);
  if (!(Number.isInteger(r.quotaPerUser) && r.quotaPerUser >= 0)) fail(`render.quotaPerUser must be an integer >= 0`);
  for (const [type, range] of Object.entries(r.processingMs)) {
    if (!Array.isArray(range) || range.length !== 2 || !(range[0] >= 0 && range[1] >= range[0])) fail(`render.processingMs.${type} must be [min, max] with 0 <= min <= max`);
  }
  const rl = o.rateLimit;
  if (!(Number.isInteger(rl.limit) && rl.limit >= 0)) fail(`rateLimit.limit must be an integer >= 0, got ${rl.limit}`);
  if (!(Number.isFinite(rl.windowSec) && rl.windowSec > 0)) fail(`rateLimit.windowSec must be > 0, got ${rl.windowSec}`);
  if (rl.scope !== 'all' && rl.scope !== 'embed') fail(`rateLimit.scope must be 'all' or 'embed'`);
  if (!['fixed', 'throttler', 'express'].includes(rl.style)) fail(`rateLimit.style must be 'fixed', 'throttler' or 'express'`);
  if (rl.slowDown && rl.style !== 'express') fail('rateLimit.slowDown comes with the production limiter: set rateLimit.style to express');
  if (o.platform.loginTokens !== 'body' && o.platform.loginTokens !== 'cookie') fail(`platform.loginTokens must be 'body' or 'cookie'`);
  if (o.clientIdentity !== 'credential' && o.clientIdentity !== 'address') fail(`clientIdentity must be 'credential' or 'address'`);
}

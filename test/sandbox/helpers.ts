import { after, before } from 'node:test';
import { startSandbox } from '../../sandbox/index.ts';
import type { Sandbox, SandboxOptionsInput } from '../../sandbox/index.ts';

export const ORIGIN = 'https://shop.example';
export const SHOP = 'test-shop-1.myshopify.com';
export const API_KEY = 'sandbox-api-key';
export const EMAIL = 'loadtest@luneo.local';
export const PASSWORD = 'sandbox-password';

/** Starts a sandbox on free ports before the suite and stops it after; read `.sb` inside tests. */
export function useSandbox(options: SandboxOptionsInput = {}): { sb: Sandbox } {
  const holder = {} as { sb: Sandbox };
  before(async () => {
    holder.sb = await startSandbox(options);
  });
  after(async () => {
    await holder.sb.stop();
  });
  return holder;
}

/**
 * Parsed response bodies: tests assert on them field by field, so a loose
 * type keeps them readable; the sandbox's own code stays fully typed.
 */
export type Json = any;

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** parsed JSON, or undefined when the body is not JSON */
  json: Json;
  ms: number;
}

export async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown; rawBody?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined = init.rawBody;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const started = performance.now();
  const res = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await res.text();
  const ms = performance.now() - started;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json, ms };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** seed: token then nothing else; returns the grant. */
export async function seedToken(sb: Sandbox, origin: string | null = ORIGIN, shop = SHOP): Promise<{ token: string; nonce: string }> {
  const r = await call(`${sb.apiUrl}/api/embed/token?shop=${encodeURIComponent(shop)}`, { headers: origin === null ? {} : { origin } });
  if (r.status !== 200) throw new Error(`seed token: ${r.status} ${r.text}`);
  return r.json;
}

export function seedValidate(sb: Sandbox, token: string, nonce: string, origin: string | null = ORIGIN): Promise<Reply> {
  return call(`${sb.apiUrl}/api/embed/validate`, { body: { nonce }, headers: { ...bearer(token), ...(origin === null ? {} : { origin }) } });
}

export async function v1Login(sb: Sandbox): Promise<{ accessToken: string; refreshToken: string; expiresIn: number }> {
  const r = await call(`${sb.apiUrl}/api/v1/auth/login`, { body: { email: EMAIL, password: PASSWORD } });
  if (r.status !== 200) throw new Error(`login: ${r.status} ${r.text}`);
  return r.json.data;
}

export function admin(sb: Sandbox, path: string, method = 'GET', body?: unknown): Promise<Reply> {
  return call(`${sb.apiUrl}/__admin/${path}`, body === undefined ? { method } : { method, body });
}

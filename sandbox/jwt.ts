import { createHmac, timingSafeEqual } from 'node:crypto';

export interface AccessClaims {
  type: 'access';
  sub: string;
  email: string;
  brandId: string;
  iat: number;
  exp: number;
}

export interface EmbedClaims {
  type: 'embed';
  /** brand id */
  sub: string;
  shop: string;
  nonce: string;
  iat: number;
  exp: number;
}

export type Claims = AccessClaims | EmbedClaims;

export type VerifyResult =
  | { ok: true; claims: Claims }
  /** an expired token still names its holder, which rate limiting needs */
  | { ok: false; reason: 'expired'; claims: Claims }
  | { ok: false; reason: 'malformed' | 'signature' };

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function mac(input: string, secret: string): string {
  return createHmac('sha256', secret).update(input).digest('base64url');
}

/**
 * `exp` keeps millisecond precision (RFC 7519 NumericDate may be fractional):
 * rounding to whole seconds would cut a 1 s test TTL to anything from 0 to 1 s.
 */
export function expiryClaims(nowMs: number, ttlSec: number): { iat: number; exp: number } {
  return { iat: Math.floor(nowMs / 1000), exp: Math.round(nowMs + ttlSec * 1000) / 1000 };
}

export function signJwt(claims: Claims, secret: string): string {
  const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${mac(body, secret)}`;
}

function isClaims(v: unknown): v is Claims {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  if (typeof c.sub !== 'string' || typeof c.exp !== 'number') return false;
  if (c.type === 'access') return typeof c.email === 'string';
  if (c.type === 'embed') return typeof c.shop === 'string' && typeof c.nonce === 'string';
  return false;
}

export function verifyJwt(token: string, secret: string, nowMs: number): VerifyResult {
  const firstDot = token.indexOf('.');
  const lastDot = token.lastIndexOf('.');
  if (firstDot <= 0 || lastDot === firstDot || token.slice(0, firstDot) !== HEADER) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(mac(token.slice(0, lastDot), secret));
  const given = Buffer.from(token.slice(lastDot + 1));
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'signature' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(token.slice(firstDot + 1, lastDot), 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!isClaims(claims)) return { ok: false, reason: 'malformed' };
  if (nowMs >= claims.exp * 1000) return { ok: false, reason: 'expired', claims };
  return { ok: true, claims };
}

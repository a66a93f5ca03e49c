import { randomBytes } from 'node:crypto';
import { expiryClaims, signJwt } from './jwt.ts';
import type { EmbedClaims } from './jwt.ts';

interface NonceEntry {
  /** Origin of the token request; null when none was sent */
  origin: string | null;
  expiresAt: number;
  /** kept as a tombstone until expiry so a replay is told apart from an unknown nonce */
  consumed: boolean;
}

export type NonceCheck = 'ok' | 'invalid' | 'expired' | 'replayed' | 'origin_mismatch';

const SHOP_DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

export function isShopDomain(shop: string): boolean {
  return shop.length <= 255 && SHOP_DOMAIN.test(shop);
}

/**
 * Embed tokens and their single-use nonces, for both dialects. Every nonce
 * has the same TTL, so the Map's insertion order is also expiry order and a
 * purge stops at the first live entry.
 */
export class EmbedStore {
  readonly #nonces = new Map<string, NonceEntry>();
  readonly #secret: string;
  readonly #nonceTtlMs: number;
  readonly #tokenTtlSec: number;

  constructor(secret: string, nonceTtlSec: number, tokenTtlSec: number) {
    this.#secret = secret;
    this.#nonceTtlMs = nonceTtlSec * 1000;
    this.#tokenTtlSec = tokenTtlSec;
  }

  get size(): number {
    return this.#nonces.size;
  }

  issue(brandId: string, shop: string, origin: string | null, now: number): { token: string; nonce: string } {
    const nonce = randomBytes(32).toString('hex');
    this.#nonces.set(nonce, { origin, expiresAt: now + this.#nonceTtlMs, consumed: false });
    const claims: EmbedClaims = { type: 'embed', sub: brandId, shop, nonce, ...expiryClaims(now, this.#tokenTtlSec) };
    return { token: signJwt(claims, this.#secret), nonce };
  }

  /**
   * Check and consume in one synchronous step, so of two concurrent
   * validations of one nonce exactly one succeeds. An origin mismatch
   * leaves the nonce usable.
   */
  validate(claims: EmbedClaims, nonce: string, origin: string | null, now: number, tamper: 'origin' | 'replay' | null): NonceCheck {
    if (nonce !== claims.nonce) return 'invalid';
    const entry = this.#nonces.get(nonce);
    if (entry === undefined) return 'invalid';
    if (now >= entry.expiresAt) return 'expired';
    if (entry.consumed) return 'replayed';
    if (tamper === 'origin' || entry.origin !== origin) return 'origin_mismatch';
    entry.consumed = true;
    return tamper === 'replay' ? 'replayed' : 'ok';
  }

  purge(now: number): void {
    for (const [nonce, entry] of this.#nonces) {
      if (entry.expiresAt > now) break;
      this.#nonces.delete(nonce);
    }
  }

  clear(): void {
    this.#nonces.clear();
  }
}

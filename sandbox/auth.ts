import { randomBytes } from 'node:crypto';
import { expiryClaims, signJwt } from './jwt.ts';
import type { AccessClaims } from './jwt.ts';
import type { SandboxUser } from './types.ts';

/** A rotated refresh token keeps working this long, so two refreshes racing in one client both succeed. */
export const REFRESH_GRACE_MS = 10_000;

export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

interface RefreshEntry {
  userId: string;
  expiresAt: number;
  /** Infinity until the token is rotated */
  graceUntil: number;
}

export interface ResolvedUser {
  id: string;
  email: string;
  password: string;
  brandId: string;
}

export class AuthStore {
  readonly users: ResolvedUser[];
  readonly #byEmail = new Map<string, ResolvedUser>();
  readonly #byId = new Map<string, ResolvedUser>();
  readonly #refresh = new Map<string, RefreshEntry>();
  readonly #secret: string;
  readonly #accessTtlSec: number;
  readonly #refreshTtlMs: number;
  readonly #graceMs: number;
  /** user id → the second of its last login, for the platform's same-second login failure */
  readonly #lastLoginSecond = new Map<string, number>();

  constructor(users: SandboxUser[], secret: string, accessTtlSec: number, refreshTtlSec: number, strictRotation = false) {
    this.#graceMs = strictRotation ? 0 : REFRESH_GRACE_MS;
    this.users = users.map((u, i) => ({ id: u.id ?? `user-${i + 1}`, email: u.email, password: u.password, brandId: u.brandId }));
    for (const u of this.users) {
      this.#byEmail.set(u.email.toLowerCase(), u);
      this.#byId.set(u.id, u);
    }
    this.#secret = secret;
    this.#accessTtlSec = accessTtlSec;
    this.#refreshTtlMs = refreshTtlSec * 1000;
  }

  userById(id: string): ResolvedUser | undefined {
    return this.#byId.get(id);
  }

  login(email: string, password: string, now: number): TokenGrant | null {
    const user = this.#checkPassword(email, password);
    return user === undefined ? null : this.#grant(user, now);
  }

  #checkPassword(email: string, password: string): ResolvedUser | undefined {
    const user = this.#byEmail.get(email.toLowerCase());
    return user === undefined || user.password !== password ? undefined : user;
  }

  /**
   * The platform stores one refresh token per login with a unique
   * constraint: a second login of the same user within the same second
   * fails (500). True when this login collides with an earlier one.
   */
  collides(email: string, password: string, now: number): boolean {
    const user = this.#checkPassword(email, password);
    if (user === undefined) return false;
    const second = Math.floor(now / 1000);
    if (this.#lastLoginSecond.get(user.id) === second) return true;
    this.#lastLoginSecond.set(user.id, second);
    return false;
  }

  refresh(refreshToken: string, now: number): TokenGrant | null {
    const entry = this.#refresh.get(refreshToken);
    if (entry === undefined || now >= entry.expiresAt || now >= entry.graceUntil) return null;
    const user = this.#byId.get(entry.userId);
    if (user === undefined) return null;
    if (entry.graceUntil === Infinity) entry.graceUntil = now + this.#graceMs;
    return this.#grant(user, now);
  }

  purge(now: number): void {
    for (const [token, entry] of this.#refresh) {
      if (now >= entry.expiresAt || now >= entry.graceUntil) this.#refresh.delete(token);
    }
  }

  #grant(user: ResolvedUser, now: number): TokenGrant {
    const claims: AccessClaims = { type: 'access', sub: user.id, email: user.email, brandId: user.brandId, ...expiryClaims(now, this.#accessTtlSec) };
    const refreshToken = randomBytes(32).toString('base64url');
    this.#refresh.set(refreshToken, { userId: user.id, expiresAt: now + this.#refreshTtlMs, graceUntil: Infinity });
    return { accessToken: signJwt(claims, this.#secret), refreshToken, expiresIn: this.#accessTtlSec, tokenType: 'Bearer' };
  }
}

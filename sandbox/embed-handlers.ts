import type { RequestContext } from './context.ts';
import { isShopDomain } from './embed.ts';
import type { NonceCheck } from './embed.ts';
import { requireUser } from './guards.ts';
import { isRecord } from './http-util.ts';
import type { EmbedClaims } from './jwt.ts';
import type { EmbedFailureReason } from './types.ts';
import { VALIDATE_SCHEMA, validateBody } from './validation.ts';

/** The seed dialect has no user, so its embed tokens name this brand. */
export const SEED_BRAND_ID = 'brand-seed';

export async function embedToken(ctx: RequestContext): Promise<void> {
  const { state } = ctx;
  const v1 = ctx.style === 'v1';
  let brandId = SEED_BRAND_ID;
  if (v1) {
    const user = requireUser(ctx);
    if (user === null) return;
    brandId = user.brandId;
  }
  const shop = ctx.query('shop');
  if (shop === null || shop === '') {
    ctx.error(400, 'missing_shop', 'The shop query parameter is required');
    return;
  }
  if (v1) {
    const active = state.backing ? await state.backing.shopActive(shop) : state.activeShops.has(shop.toLowerCase());
    if (!active) {
      ctx.error(404, 'shop_not_found', `Shop ${shop} is not an active installation`);
      return;
    }
  } else if (!isShopDomain(shop)) {
    ctx.error(400, 'invalid_shop', `Not a shop domain: ${shop}`);
    return;
  } else if (state.backing) {
    // The seed dialect checks the domain's form only; backed, it reads the installation as the platform does.
    await state.backing.shopActive(shop);
  }
  const grant = state.embed.issue(brandId, shop, ctx.origin(), ctx.arrivedAt);
  if (state.backing) await state.backing.issueNonce(grant.nonce, ctx.origin(), state.options.nonceTtlSec);
  state.stats.tokensIssued++;
  if (v1) ctx.ok({ token: grant.token, nonce: grant.nonce, expiresIn: state.options.embedTokenTtlSec, widgetUrl: state.widgetUrl });
  else ctx.ok(grant);
}

const FAILURES: Record<Exclude<NonceCheck, 'ok'>, { code: string; message: string; reason: EmbedFailureReason }> = {
  invalid: { code: 'nonce_invalid', message: 'Invalid or expired nonce', reason: 'invalid' },
  expired: { code: 'nonce_invalid', message: 'Invalid or expired nonce', reason: 'expired' },
  replayed: { code: 'nonce_replayed', message: 'Nonce already used', reason: 'replayed' },
  origin_mismatch: { code: 'origin_mismatch', message: 'Origin mismatch', reason: 'origin_mismatch' },
};

function reject(ctx: RequestContext, status: number, code: string, message: string | string[], reason: EmbedFailureReason): void {
  ctx.state.stats.embedFailure(reason);
  if (ctx.style === 'v1') ctx.error(status, code, message);
  else ctx.json(status, { valid: false, error: code, message });
}

export async function embedValidate(ctx: RequestContext): Promise<void> {
  const { state } = ctx;
  const v = ctx.jwt();
  if (v === null || !v.ok || v.claims.type !== 'embed') {
    const expired = v !== null && !v.ok && v.reason === 'expired' && v.claims.type === 'embed';
    reject(ctx, 401, 'invalid_token', expired ? 'Embed token expired' : 'Invalid or missing embed token', expired ? 'expired' : 'unauthorized');
    return;
  }
  const claims: EmbedClaims = v.claims;
  const body = await ctx.bodyOrFail();
  if (body === undefined) return;
  let nonce: string;
  if (ctx.style === 'v1') {
    const errors = validateBody(body, VALIDATE_SCHEMA);
    if (errors.length > 0) {
      reject(ctx, 400, 'bad_request', errors, 'invalid');
      return;
    }
    nonce = (body as { nonce: string }).nonce;
  } else {
    if (!isRecord(body) || typeof body.nonce !== 'string' || body.nonce === '') {
      reject(ctx, 400, 'nonce_invalid', 'Body must be {"nonce": "<nonce>"}', 'invalid');
      return;
    }
    nonce = body.nonce;
  }
  const tamper = state.faults.tamper['embed.validate'];
  const tamperMode = tamper !== undefined && Math.random() < tamper.rate ? tamper.mode : null;
  if (tamperMode !== null) state.stats.tampered++;
  const result = state.backing
    ? nonce !== claims.nonce
      ? 'invalid'
      : await state.backing.consumeNonce(nonce, ctx.origin(), tamperMode)
    : state.embed.validate(claims, nonce, ctx.origin(), Date.now(), tamperMode);
  if (result === 'ok') {
    state.stats.validationsOk++;
    if (ctx.style === 'v1') ctx.ok({ shopDomain: claims.shop, valid: true });
    else ctx.ok({ valid: true, shopDomain: claims.shop });
    return;
  }
  const f = FAILURES[result];
  reject(ctx, 400, f.code, f.message, f.reason);
}

/**
 * The pure parts of a shop visitor's page view: which origin the browser
 * sends, and how long the handshake took.
 */

/**
 * The Origin a product page on `shop` sends. Shops on a custom domain list
 * it in the shop file's `origin` column; otherwise the shop domain is the page's host.
 */
export function originForShop(shop: string, origin?: string): string {
  const explicit = origin?.trim();
  if (explicit) return new URL(explicit).origin;
  return `https://${shop.trim().toLowerCase()}`;
}

/**
 * The handshake as the visitor experiences it, minus the pauses it makes
 * on purpose: the token, widget document and validation round trips.
 */
export function handshakeMs(stepMs: readonly number[]): number {
  return stepMs.reduce((a, b) => a + b, 0);
}

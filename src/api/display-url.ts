/**
 * A URL as the package shows it, in messages and reports: no user info, no
 * fragment, and the query parameters that carry secrets (the widget
 * document's token and nonce, keys, passwords) redacted; a bare origin
 * without its trailing slash.
 */
const SECRET_PARAMS = ['token', 'nonce', 'key', 'api_key', 'apikey', 'access_token', 'password'];

export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.hash = '';
    for (const k of SECRET_PARAMS) if (u.searchParams.has(k)) u.searchParams.set(k, '[redacted]');
    const shown = u.toString().replace(/%5Bredacted%5D/g, '[redacted]');
    return u.pathname === '/' && u.search === '' ? shown.replace(/\/$/, '') : shown;
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//').replace(/[?#].*$/, '');
  }
}

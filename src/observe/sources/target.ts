/** Where a source reads from, for output: scheme, host, port and path, never the user or password. */
export function dsnTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(an address that does not parse)';
  }
}

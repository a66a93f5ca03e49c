/** The benchmarks' own clients only ever target this machine: a URL argument must be a loopback address. */
export function loopbackUrl(name: string, raw: string | undefined): URL {
  const u = new URL(raw ?? '');
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) throw new Error(`--${name} must be a loopback URL, got ${raw}`);
  return u;
}

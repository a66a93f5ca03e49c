/** A parsed JSON or YAML object (not an array, not null): what every reader of settings, bodies and files checks first. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

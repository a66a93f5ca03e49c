/**
 * A `think:` value in milliseconds, read as Artillery reads it: a whole
 * number is seconds, a string with a unit (`500ms`, `1.5s`, `2m`) is that
 * duration, anything else numeric is milliseconds.
 */

const UNITS: Record<string, number> = { ms: 1, msec: 1, msecs: 1, s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000, m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000, h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000 };
const DURATION = /^(-?(?:\d+)?\.?\d+) *([a-z]*)$/i;

export function thinkMs(value: unknown): number {
  const text = String(value).trim();
  const n = Number(text);
  if (text !== '' && Number.isInteger(n)) return n * 1000;
  if (text !== '' && Number.isFinite(n)) return n;
  const m = DURATION.exec(text);
  const unit = m ? UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new Error(`Invalid think time: ${text}`);
  return Number(m[1]) * unit;
}

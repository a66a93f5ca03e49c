import { STATUS_CODES } from 'node:http';
import type { IncomingMessage } from 'node:http';

export const BODY_LIMIT_BYTES = 64 * 1024;

export type BodyResult = { ok: true; text: string } | { ok: false; reason: 'too_large' | 'aborted' };

/** Reads the request body up to the limit; an oversized body is refused from Content-Length alone when it is declared. */
export function readBody(req: IncomingMessage, limit: number = BODY_LIMIT_BYTES): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.resolve({ ok: false, reason: 'too_large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyResult): void => {
      if (done) return;
      done = true;
      req.removeListener('data', onData);
      resolve(r);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) finish({ ok: false, reason: 'too_large' });
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish({ ok: true, text: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8') }));
    req.once('error', () => finish({ ok: false, reason: 'aborted' }));
    req.once('close', () => finish({ ok: false, reason: 'aborted' }));
  });
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; message: string };

/** An empty body reads as `{}` so that field validation, not the parser, reports what is missing. */
export function parseJsonBody(text: string): JsonResult {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, message: `Malformed JSON body: ${(err as Error).message}` };
  }
}

export function reason(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function bearerOf(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (h === undefined || h.length < 8) return null;
  if (h.charCodeAt(6) !== 32 || h.slice(0, 6).toLowerCase() !== 'bearer') return null;
  const token = h.slice(7).trim();
  return token === '' ? null : token;
}

export function originOf(req: IncomingMessage): string | null {
  const o = req.headers.origin;
  return o === undefined || o === '' ? null : o;
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * A visitor's connections, as a browser tab holds them: one keep-alive
 * HTTP/1.1 connection per origin (an undici Client), never shared with
 * another visitor, closed when the visitor leaves. One exchange is one
 * request and its whole response, timed from the moment it is handed to
 * the connection (so connection set-up counts when one is made) to the
 * last byte of the body. A transport error is an outcome, not a throw.
 */
import { performance } from 'node:perf_hooks';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { IncomingHttpHeaders } from 'node:http';
import { Client, type Dispatcher } from 'undici';

export interface ConnectionSettings {
  /** config.http.timeout, milliseconds: connect, headers, and each gap between body chunks */
  timeoutMs: number;
  /** config.tls (rejectUnauthorized, ca, …), for https origins */
  tls?: TlsOptions;
  /** idle keep-alive connections close after this (a server's Keep-Alive hint may shorten it) */
  keepAliveMs?: number;
}

export type Headers = Record<string, string | string[] | undefined>;

/** What one request came to: a response, or a transport error with the time it cost. */
export interface Exchange {
  statusCode: number;
  headers: Headers;
  body: string;
  /** body bytes as received (before any decompression) */
  bytes: number;
  /** ms from send to the response headers */
  firstByteMs: number;
  /** ms from send to the last byte, or to the error */
  totalMs: number;
  error?: TransportError;
}

export interface TransportError extends Error {
  /** the kind, as Artillery counts it: `errors.<code>` */
  code: string;
}

export interface Outgoing {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

const NO_HEADERS: Headers = Object.freeze({}) as Headers;
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** undici's error codes mapped onto the socket-level names Artillery's stock engine reports. */
export function transportErrorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code !== undefined && TIMEOUTS.has(code)) return 'ETIMEDOUT';
  // "other side closed" and friends: the underlying socket error when there is one.
  if (code === 'UND_ERR_SOCKET') return typeof e?.cause?.code === 'string' ? e.cause.code : 'ECONNRESET';
  if (code !== undefined) return code;
  return typeof e?.name === 'string' ? e.name : 'Error';
}

function asTransportError(err: unknown): TransportError {
  const out = (err instanceof Error ? err : new Error(String(err))) as TransportError;
  const code = transportErrorCode(err);
  if (out.code !== code) {
    try {
      out.code = code;
    } catch {
      return Object.assign(new Error(out.message), { code });
    }
  }
  return out;
}

function decoded(raw: Buffer, encoding: string | string[] | undefined): Buffer {
  switch (Array.isArray(encoding) ? encoding[0] : encoding) {
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(raw);
    case 'deflate':
      return inflateSync(raw);
    case 'br':
      return brotliDecompressSync(raw);
    default:
      return raw;
  }
}

/** undici's dispatch handler for one request; resolves with the exchange, never rejects. */
class ExchangeHandler implements Dispatcher.DispatchHandler {
  private readonly startedAt = performance.now();
  private statusCode = 0;
  private headers: Headers = NO_HEADERS;
  private firstByteMs = 0;
  private chunk: Buffer | undefined;
  private chunks: Buffer[] | undefined;
  private bytes = 0;

  private readonly resolve: (e: Exchange) => void;

  constructor(resolve: (e: Exchange) => void) {
    this.resolve = resolve;
  }

  // The clock started at dispatch, before any connection set-up: nothing to do when the request is written.
  onRequestStart(): void {}

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.statusCode = statusCode;
    this.headers = headers as Headers;
    this.firstByteMs = performance.now() - this.startedAt;
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.chunk === undefined) this.chunk = chunk;
    else (this.chunks ??= [this.chunk]).push(chunk);
  }

  onResponseEnd(): void {
    const totalMs = performance.now() - this.startedAt;
    let body = '';
    const raw = this.chunks ? Buffer.concat(this.chunks, this.bytes) : this.chunk;
    if (raw !== undefined) {
      try {
        body = decoded(raw, this.headers['content-encoding']).toString('utf8');
      } catch (err) {
        this.onResponseError(undefined, err);
        return;
      }
    }
    this.resolve({ statusCode: this.statusCode, headers: this.headers, body, bytes: this.bytes, firstByteMs: this.firstByteMs, totalMs });
  }

  onResponseError(_c: Dispatcher.DispatchController | undefined, err: unknown): void {
    this.resolve({
      statusCode: 0,
      headers: NO_HEADERS,
      body: '',
      bytes: this.bytes,
      firstByteMs: this.firstByteMs,
      totalMs: performance.now() - this.startedAt,
      error: asTransportError(err),
    });
  }
}

export class VisitorConnections {
  // A visitor talks to one or two origins: a list beats a Map at that size.
  private readonly origins: string[] = [];
  private readonly clients: Client[] = [];
  private closed = false;

  private readonly settings: ConnectionSettings;
  /** told once per new connection (TCP, and TLS for https), for the engine's own counters */
  private readonly onConnect: (() => void) | undefined;

  constructor(settings: ConnectionSettings, onConnect?: () => void) {
    this.settings = settings;
    this.onConnect = onConnect;
  }

  private clientFor(origin: string): Client {
    const i = this.origins.indexOf(origin);
    if (i >= 0) return this.clients[i] as Client;
    const s = this.settings;
    const client = new Client(origin, {
      allowH2: false,
      pipelining: 1,
      connect: { ...s.tls, timeout: s.timeoutMs },
      headersTimeout: s.timeoutMs,
      bodyTimeout: s.timeoutMs,
      keepAliveTimeout: s.keepAliveMs ?? 300_000,
      keepAliveMaxTimeout: Math.max(s.keepAliveMs ?? 300_000, 600_000),
    });
    if (this.onConnect) client.on('connect', this.onConnect);
    // Errors reach each request's handler; the client's own event needs a listener so it never throws.
    client.on('connectionError', noop);
    this.origins.push(origin);
    this.clients.push(client);
    return client;
  }

  /** Sends one request on this visitor's connection to `origin` (scheme://host:port). */
  send(origin: string, req: Outgoing): Promise<Exchange> {
    if (this.closed) return Promise.resolve(failed(new Error('the visitor has left')));
    return new Promise<Exchange>((resolve) => {
      const handler = new ExchangeHandler(resolve);
      try {
        this.clientFor(origin).dispatch({ method: req.method, path: req.path, headers: req.headers, body: req.body ?? null }, handler);
      } catch (err) {
        handler.onResponseError(undefined, err);
      }
    });
  }

  /** The visitor left: its connections go (idle ones at once). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.clients) c.close().catch(noop);
    this.clients.length = 0;
    this.origins.length = 0;
  }

  get openOrigins(): number {
    return this.origins.length;
  }
}

function noop(): void {}

function failed(err: unknown): Exchange {
  return { statusCode: 0, headers: NO_HEADERS, body: '', bytes: 0, firstByteMs: 0, totalMs: 0, error: asTransportError(err) };
}

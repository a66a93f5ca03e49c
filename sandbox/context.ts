import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { identifyClient } from './client-id.ts';
import { BODY_LIMIT_BYTES, bearerOf, escapeHtml, originOf, parseJsonBody, readBody, reason } from './http-util.ts';
import type { JsonResult } from './http-util.ts';
import { verifyJwt } from './jwt.ts';
import type { VerifyResult } from './jwt.ts';
import type { SandboxState } from './state.ts';
import type { Dialect, RouteName } from './types.ts';

/** How error bodies look: a dialect's JSON, or HTML on the widget host. */
export type BodyStyle = Dialect | 'html';

const JSON_TYPE = 'application/json; charset=utf-8';
const HTML_TYPE = 'text/html; charset=utf-8';

/** One request: lazily parsed query, bearer and client identity, and the one way to answer. */
export class RequestContext {
  readonly state: SandboxState;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly path: string;
  readonly arrivedAt: number;
  route: RouteName | 'unmatched' = 'unmatched';
  style: BodyStyle;
  params: string[] = [];
  /** admin requests stay out of the stats */
  counted = true;
  sent = false;
  readonly #rawQuery: string;
  #query: URLSearchParams | undefined;
  #headers: OutgoingHttpHeaders | undefined;
  #bearer: string | null | undefined;
  #jwt: VerifyResult | null | undefined;
  #client: string | undefined;

  constructor(state: SandboxState, req: IncomingMessage, res: ServerResponse, style: BodyStyle) {
    this.state = state;
    this.req = req;
    this.res = res;
    this.arrivedAt = Date.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    this.path = q < 0 ? url : url.slice(0, q);
    this.#rawQuery = q < 0 ? '' : url.slice(q + 1);
    this.style = style;
  }

  query(name: string): string | null {
    if (this.#rawQuery === '') return null;
    this.#query ??= new URLSearchParams(this.#rawQuery);
    return this.#query.get(name);
  }

  origin(): string | null {
    return originOf(this.req);
  }

  bearer(): string | null {
    if (this.#bearer === undefined) this.#bearer = bearerOf(this.req);
    return this.#bearer;
  }

  /** The bearer verified as one of our JWTs (null without a bearer); verified once per request. */
  jwt(): VerifyResult | null {
    if (this.#jwt === undefined) {
      const b = this.bearer();
      this.#jwt = b === null ? null : verifyJwt(b, this.state.options.signingSecret, this.arrivedAt);
    }
    return this.#jwt;
  }

  client(): string {
    this.#client ??= identifyClient(this);
    return this.#client;
  }

  setHeader(name: string, value: string | number): void {
    (this.#headers ??= {})[name] = value;
  }

  async jsonBody(): Promise<JsonResult | 'too_large' | 'aborted'> {
    const body = await readBody(this.req);
    if (!body.ok) return body.reason;
    return parseJsonBody(body.text);
  }

  send(status: number, contentType: string, body: string | Buffer, headers?: OutgoingHttpHeaders): void {
    if (this.sent || this.res.headersSent || this.res.destroyed) return;
    this.sent = true;
    const h: OutgoingHttpHeaders = { ...this.#headers, ...headers };
    h['content-type'] = contentType;
    h['content-length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    this.res.writeHead(status, h);
    this.res.end(body);
    if (this.counted) this.state.stats.recordResponse(this.route, status);
  }

  json(status: number, body: unknown, headers?: OutgoingHttpHeaders): void {
    this.send(status, JSON_TYPE, JSON.stringify(body), headers);
  }

  html(status: number, body: string | Buffer, headers?: OutgoingHttpHeaders): void {
    this.send(status, HTML_TYPE, body, headers);
  }

  /** Success in the route's dialect: bare JSON (seed) or the v1 envelope. */
  ok(data: unknown, status = 200): void {
    if (this.style === 'v1') this.json(status, { success: true, data, timestamp: new Date().toISOString() });
    else this.json(status, data);
  }

  /**
   * Failure in the route's dialect: seed `{error: code, message}`, the v1
   * envelope with the reason phrase as `error`, or a small HTML page.
   */
  error(status: number, code: string, message: string | string[], headers?: OutgoingHttpHeaders): void {
    if (this.style === 'v1') {
      this.json(
        status,
        { success: false, error: reason(status), message, statusCode: status, timestamp: new Date().toISOString(), path: this.req.url ?? this.path },
        headers,
      );
    } else if (this.style === 'html') {
      const text = escapeHtml(Array.isArray(message) ? message.join('; ') : message);
      this.html(status, `<!doctype html><html><head><title>${status} ${reason(status)}</title></head><body><h1>${status} ${reason(status)}</h1><p>${text}</p></body></html>`, headers);
    } else {
      this.json(status, { error: code, message }, headers);
    }
  }

  /** A body that could not be read or parsed: answers and returns undefined; otherwise the parsed value. */
  async bodyOrFail(): Promise<unknown> {
    const body = await this.jsonBody();
    if (body === 'aborted') {
      this.sent = true;
      return undefined;
    }
    if (body === 'too_large') {
      // The rest of an oversized body is not worth reading: close after answering.
      this.error(413, 'payload_too_large', `Request body exceeds ${BODY_LIMIT_BYTES / 1024} KB`, { connection: 'close' });
      return undefined;
    }
    if (!body.ok) {
      this.error(400, 'bad_request', body.message);
      return undefined;
    }
    return body.value;
  }
}

import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS } from './api-server.ts';
import { RequestContext } from './context.ts';
import { escapeHtml } from './http-util.ts';
import { handlerFailed, runRoute } from './pipeline.ts';
import type { SandboxState } from './state.ts';

/** The page-side SDK: mounts the iframe and answers its handshake with the nonce and token. */
const LOADER_JS = Buffer.from(`/* Luneo widget loader (sandbox build) */
(function (w, d) {
  'use strict';
  var base = (d.currentScript && d.currentScript.src) ? new URL('/', d.currentScript.src).href : '/';
  function mount(el, grant) {
    var q = new URLSearchParams({ token: grant.token, nonce: grant.nonce, shop: grant.shop });
    var frame = d.createElement('iframe');
    frame.src = base + '?' + q.toString();
    frame.title = 'Luneo';
    frame.style.border = '0';
    var timer = setTimeout(function () { if (grant.onError) grant.onError(new Error('handshake timeout')); }, 10000);
    w.addEventListener('message', function (e) {
      var m = e.data;
      if (e.source !== frame.contentWindow || !m) return;
      if (m.type === 'handshake' && m.nonce === grant.nonce) {
        frame.contentWindow.postMessage({ type: 'handshake', nonce: grant.nonce, token: grant.token }, e.origin);
      } else if (m.type === 'ready') {
        clearTimeout(timer);
        if (grant.onReady) grant.onReady();
      }
    });
    el.appendChild(frame);
    return frame;
  }
  w.Luneo = w.Luneo || {};
  w.Luneo.mount = mount;
})(window, document);
`);
const LOADER_ETAG = `"${createHash('sha256').update(LOADER_JS).digest('hex').slice(0, 16)}"`;

const DOC_HEAD = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Luneo widget</title>
<script src="/loader.js" defer></script>
</head>
<body>
`;
/** The iframe side: announce the nonce, accept the matching token from the parent, answer ready (10 s timeout). */
const DOC_TAIL = `
<script>
(function () {
  var root = document.getElementById('luneo-widget');
  var nonce = root.getAttribute('data-nonce');
  var token = new URLSearchParams(location.search).get('token');
  var done = false;
  var timer = setTimeout(function () { if (!done) root.textContent = 'Handshake timed out'; }, 10000);
  window.addEventListener('message', function (e) {
    var m = e.data;
    if (done || e.source !== window.parent || !m || m.type !== 'handshake' || m.nonce !== nonce || m.token !== token) return;
    done = true;
    clearTimeout(timer);
    root.textContent = 'Ready';
    window.parent.postMessage({ type: 'ready' }, e.origin);
  });
  window.parent.postMessage({ type: 'handshake', nonce: nonce }, '*');
})();
</script>
</body>
</html>
`;

function widgetDocument(ctx: RequestContext): void {
  const token = ctx.query('token');
  const nonce = ctx.query('nonce');
  const shop = ctx.query('shop');
  const missing = [['token', token], ['nonce', nonce], ['shop', shop]].filter(([, v]) => !v).map(([k]) => k);
  if (missing.length > 0) {
    ctx.error(400, 'bad_request', `Missing query parameter: ${missing.join(', ')}`);
    return;
  }
  ctx.state.stats.widgetDocuments++;
  ctx.html(
    200,
    `${DOC_HEAD}<div id="luneo-widget" data-nonce="${escapeHtml(nonce!)}" data-shop="${escapeHtml(shop!)}">Loading…</div>${DOC_TAIL}`,
    { 'cache-control': 'no-store' },
  );
}

function loader(ctx: RequestContext): void {
  ctx.state.stats.widgetLoaders++;
  if (ctx.req.headers['if-none-match'] === LOADER_ETAG) {
    ctx.send(304, 'application/javascript; charset=utf-8', '', { 'cache-control': 'public, max-age=300', etag: LOADER_ETAG });
    return;
  }
  ctx.send(200, 'application/javascript; charset=utf-8', LOADER_JS, { 'cache-control': 'public, max-age=300', etag: LOADER_ETAG });
}

function health(ctx: RequestContext): void {
  ctx.json(200, { status: 'ok' });
}

async function handle(ctx: RequestContext): Promise<void> {
  const method = ctx.req.method;
  if (method !== 'GET' && method !== 'HEAD') {
    const known = ctx.path === '/' || ctx.path === '/loader.js' || ctx.path === '/health';
    ctx.error(known ? 405 : 404, known ? 'method_not_allowed' : 'not_found', known ? 'Only GET is served here' : 'Not found', known ? { allow: 'GET' } : undefined);
    return;
  }
  switch (ctx.path) {
    case '/':
      await runRoute(ctx, 'widget.document', 'widget', widgetDocument);
      return;
    case '/loader.js':
      await runRoute(ctx, 'widget.loader', 'widget', loader);
      return;
    case '/health':
      ctx.style = 'seed';
      await runRoute(ctx, 'health', 'widget', health);
      return;
    default:
      ctx.error(404, 'not_found', `Not found: ${ctx.path}`);
  }
}

/** The widget CDN: the iframe document and the SDK loader, with HTML error pages. */
export function createWidgetServer(state: SandboxState): Server {
  const server = createServer((req, res) => {
    const ctx = new RequestContext(state, req, res, 'html');
    if (state.stopped) return;
    handle(ctx).catch((err: unknown) => handlerFailed(ctx, err));
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  return server;
}

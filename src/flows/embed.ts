/**
 * The embed widget: a shop visitor's page view (embed token, widget
 * document, nonce validation with the same Origin), as one description the
 * rest of the package reads, and the visit's pure parts (embed-visit.ts).
 */
import { classifyValidationFailure, errorMessageOf, extractEmbedGrant, isValidationAccepted, routes } from '../api/dialect.ts';
import { METRICS } from '../metric-names.ts';
import { apiAnswer, type PreflightInput, type Walk } from '../before/walk.ts';
import type { Range, SectionReader } from '../config/section.ts';
import { type FlowDescription, mid } from './flow.ts';
import { profile } from '../load/stages.ts';

export { handshakeMs, originForShop } from './embed-visit.ts';

export async function walkEmbed(w: Walk, i: PreflightInput): Promise<void> {
  const dep = i.deployment;
  const origin = { origin: i.shop.origin, accept: 'application/json' };
  const userBearer = dep.dialect === 'v1' ? await i.bearer() : undefined;
  const tokenHeaders: Record<string, string> = { ...origin };
  if (userBearer !== undefined) tokenHeaders.authorization = `Bearer ${userBearer}`;
  let grant: { token: string; nonce: string } | undefined;
  await w.step('embedToken', 'GET', i.baseUrl + routes.embedToken(dep, i.shop.shop), tokenHeaders, undefined,
    apiAnswer((a) => {
      const g = extractEmbedGrant(a.body);
      if (!g.ok) return { ok: false, transient: false, why: 'answered without token/nonce' };
      grant = g.value;
      return { ok: true };
    }),
  );
  if (!grant) return;
  await w.step('widget', 'GET', i.widgetUrl + routes.widgetDocument(grant.token, grant.nonce, i.shop.shop), { accept: 'text/html' }, undefined, (a) => {
    if (a.status >= 500) return { ok: false, transient: true };
    if (a.status !== 200) return { ok: false, transient: false };
    if (!a.type.startsWith('text/html')) return { ok: false, transient: true, why: `answered ${a.type || 'no content type'}, not the widget's HTML document (is WIDGET_URL the widget host?)` };
    return { ok: true };
  });
  const v = routes.embedValidate(dep, grant.nonce);
  await w.step('embedValidate', 'POST', i.baseUrl + v.path, { ...origin, authorization: `Bearer ${grant.token}` }, v.json, (a) => {
    if (a.status >= 500) return { ok: false, transient: true };
    // A refused nonce is the flow's to count (origin mismatch, replay), not a broken deployment.
    if (a.status === 400) return { ok: false, transient: false, soft: true, why: `${errorMessageOf(a.body)} (validation refused: ${classifyValidationFailure(a.body)})` };
    if (a.status < 200 || a.status >= 300) return { ok: false, transient: false };
    // A success the package cannot read is no success: the load would count every validation as failed.
    if (!isValidationAccepted(a.body)) return { ok: false, transient: false, why: 'answered without valid: true' };
    return { ok: true };
  });
}

/** The environment file's `embed:` section. */
export interface EmbedSettings {
  /** pause before the widget document */
  iframeDelayMs: Range;
  /** a visitor looks at the widget this long */
  viewMs: Range;
}

function embedSettings(s: SectionReader): EmbedSettings {
  return { iframeDelayMs: s.range('iframeDelayMs', { min: 0, max: 500 }), viewMs: s.range('viewMs', { min: 1000, max: 3000 }) };
}

export const embed = {
  name: 'embed',
  title: 'the embed widget',
  users: { one: 'visitor', many: 'visitors', concurrent: 'visitors' },
  resultsFile: 'load-test-results.json',
  load: true as const,
  profiles: {
    local: profile('smoke', 'sandbox smoke: 20 visitors, about 25 s', '5s:20 15s:20 5s:0'),
    ci: profile('ci-1k', "the requirements' CI profile: 1,000 visitors for 2 minutes", '30s:1000 90s:1000'),
    staging: profile('staging-2500', 'the release profile at a quarter of production scale (2,500 visitors)', '2m:250 5m:1250 5m:2500 10m:2500 2m:0'),
    prod: profile('full-10k', "the requirements' full profile: 10,000 concurrent visitors, 24 minutes", '2m:1000 5m:5000 5m:10000 10m:10000 2m:0'),
  },
  seedNeedsApiKey: false,
  usesWidget: true,
  metricPrefix: 'luneo_embed_',
  steps: [
    { metric: METRICS.embed.tokenMs, title: 'Embed token' },
    { metric: METRICS.embed.widgetMs, title: 'Widget document' },
    { metric: METRICS.embed.validateMs, title: 'Nonce validation' },
    { metric: METRICS.embed.handshakeMs, title: 'Whole handshake' },
  ],
  settings: embedSettings,
  routeRates(_settings, own) {
    // 3 requests per page view; a page view lasts the two pauses plus ~3 round trips.
    const perView = 1 / ((mid(own.iframeDelayMs) + mid(own.viewMs)) / 1000 + 0.15);
    return { embedToken: perView, widget: perView, embedValidate: perView };
  },
  peakRate(_settings, own, peak) {
    const viewSec = (mid(own.iframeDelayMs) + mid(own.viewMs)) / 1000 + 0.15;
    return (3 * peak) / viewSec;
  },
  walk: walkEmbed,
} satisfies FlowDescription<EmbedSettings>;

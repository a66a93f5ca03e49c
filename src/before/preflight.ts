/**
 * Before any load, one user walks the scenario's routes once with the real
 * credentials (the flow's walk: src/flows/; v1: health with the user token
 * first). A missing route, an auth failure or a server error ends the run
 * before the load, with one line per failed step; the answers' rate-limit
 * headers feed the rate-limit check.
 */
import { routes } from '../api/dialect.ts';
import { flowOf } from '../flows/index.ts';
import { apiAnswer, type PreflightInput, type PreflightResult, Walk } from './walk.ts';

export { type PreflightFailure, type PreflightFetch, type PreflightInput, type PreflightResult, TRANSIENT_ATTEMPTS } from './walk.ts';

export async function preflight(i: PreflightInput): Promise<PreflightResult> {
  const w = new Walk(i);
  const dep = i.deployment;
  const base = i.baseUrl;
  const json = { accept: 'application/json' };
  const withBearer = async (h: Record<string, string>): Promise<Record<string, string>> => {
    const b = await i.bearer();
    return b === undefined ? h : { ...h, authorization: `Bearer ${b}` };
  };
  const health = routes.health(dep);
  if (health !== undefined && dep.dialect === 'v1') {
    // No v1 health route is public: it takes the user's token.
    await w.step('health', 'GET', base + health, await withBearer(json), undefined, apiAnswer());
  }
  await flowOf(i.flow)?.walk?.(w, i);
  return { failures: w.failures, warnings: w.warnings, observations: w.observations, requests: w.requests };
}


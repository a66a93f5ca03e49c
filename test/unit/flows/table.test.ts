/**
 * The flow table: every flow file's description is in it (written by
 * `npm run profiles`), and each description says what the rest of the
 * package asks of a flow.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flowFiles, flowTable } from '../../../scripts/profiles.ts';
import { FLOWS, flowOf, isFlowName, SCENARIOS } from '../../../src/flows/index.ts';
import { ENVIRONMENTS } from '../../../src/load/profiles.ts';
import { loadSettings } from '../../../src/config/environments.ts';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

describe('the flow table', () => {
  it('lists the flows the flow files describe, and only those (helpers beside a description are no flows)', () => {
    assert.deepEqual(flowFiles().map((f) => f.name), ['contract', 'embed', 'render']);
    assert.deepEqual(Object.keys(FLOWS), ['contract', 'embed', 'render']);
    assert.match(flowTable(flowFiles()), /^export const FLOWS = \{ contract, embed, render \};$/m);
    assert.deepEqual(SCENARIOS, ['embed', 'render'], 'the load flows');
    assert.equal(flowOf('checkout'), undefined);
    assert.equal(isFlowName('render'), true);
  });

  it('every flow has its own results file and metric prefix; every load flow a profile per environment', () => {
    const flows = Object.values(FLOWS);
    assert.equal(new Set(flows.map((f) => f.resultsFile)).size, flows.length);
    assert.equal(new Set(flows.map((f) => f.metricPrefix)).size, flows.length);
    for (const name of SCENARIOS) assert.deepEqual(Object.keys(FLOWS[name].profiles).sort(), [...ENVIRONMENTS].sort(), name);
  });

  it('peak rates and route rates from the environment\'s settings: a page view is 3 requests, a render polls', () => {
    const settings = loadSettings('prod', path.join(ROOT, 'environments'), {});
    assert.ok(Math.abs(FLOWS.embed.peakRate(settings, settings.embed, 10_000) - 12_500) < 1_000, String(FLOWS.embed.peakRate(settings, settings.embed, 10_000)));
    const rates = FLOWS.embed.routeRates(settings, settings.embed);
    assert.deepEqual(Object.keys(rates).sort(), ['embedToken', 'embedValidate', 'widget']);
    assert.equal(FLOWS.render.peakRate(settings, settings.render, 500), 500, 'one poll a second per render in flight');
    assert.deepEqual(FLOWS.contract.routeRates(), {});
  });
});

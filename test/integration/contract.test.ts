/**
 * The contract check (scenarios/contract.yml, the expect plugin): passes
 * against a target that speaks the dialect, and fails with its own exit
 * codes when a route answers something else.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadRun, tail, withSandbox } from '../support/load-run.ts';

describe('contract check', () => {
  test('a target speaking the dialect passes every expectation, dialect v1', async () => {
    await withSandbox({}, async (sb) => {
      const r = await loadRun({ scenario: 'contract', sandbox: sb, dialect: 'v1', stages: null });
      assert.equal(r.code, 0, tail(r));
      assert.match(r.output, /ok hasProperty data\.token/);
      assert.doesNotMatch(r.output, /not ok/);
      for (const route of ['embed.token', 'widget.document', 'embed.validate', 'render.enqueue', 'render.status']) {
        assert.ok(sb.stats().requests.byRoute[route], `${route} was walked`);
      }
    });
  });

  test('a route answering 5xx fails an expectation: exit 21, and the output carries no credential', async () => {
    const key = 'sk-contract-9d8e7f6a5b4c';
    await withSandbox({ apiKeys: [key], faults: { errors: { 'render.enqueue': 1 } } }, async (sb) => {
      const r = await loadRun({ scenario: 'contract', sandbox: sb, environment: 'staging', stages: null, env: { API_KEY: key, LUNEO_DIALECT: 'seed' } });
      assert.equal(r.code, 21, tail(r));
      assert.match(r.output, /not ok statusCode/);
      assert.ok(!r.output.includes(key));
    });
  });

  test('a response the package cannot parse fails the run: exit 1', async () => {
    await withSandbox({ faults: { nonJson: { 'embed.token': 1 } } }, async (sb) => {
      const r = await loadRun({ scenario: 'contract', sandbox: sb, stages: null });
      assert.notEqual(r.code, 0, tail(r));
      assert.match(r.output, /contract: embed token response not understood \(non_json\)/);
    });
  });
});

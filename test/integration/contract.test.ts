/**
 * The contract check (scenarios/contract.yml, the expect plugin): passes
 * against a target that speaks the dialect, and fails with its own exit
 * codes when a route answers something else.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadRun, tail, withSandbox } from '../support/load-run.ts';

// Each test has its own sandbox: two at a time.
describe('contract check', { concurrency: 2 }, () => {
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

  test('against the real code’s shape (health needs the user token): passes, and says which callers the embed token route accepts', async () => {
    await withSandbox({ platform: { healthRequiresUser: true } }, async (sb) => {
      const r = await loadRun({ scenario: 'contract', sandbox: sb, dialect: 'v1', stages: null });
      assert.equal(r.code, 0, tail(r));
      assert.deepEqual(Object.keys(sb.stats().requests.byRoute.health ?? {}), ['200'], 'health was asked with the user token');
      assert.match(
        r.output,
        /contract: the embed token route refused an anonymous visitor \(HTTP 401, no Authorization, as the widget SDK sends it\) and accepted the user token \(HTTP 200\)\. A shop visitor cannot get an embed token today/,
      );
    });
  });

  test('seed: no health route is asked for, and its public token route accepts an anonymous visitor', async () => {
    await withSandbox({}, async (sb) => {
      const r = await loadRun({ scenario: 'contract', sandbox: sb, stages: null });
      assert.equal(r.code, 0, tail(r));
      assert.equal(sb.stats().requests.byRoute.health, undefined);
      assert.match(r.output, /contract: the embed token route accepted an anonymous visitor \(HTTP 200/);
    });
  });

  test('a failing validation prints what expect prints, without the embed token or any bearer value', async () => {
    await withSandbox({ faults: { tamper: { 'embed.validate': { mode: 'origin', rate: 1 } } } }, async (sb) => {
      const r = await loadRun({ scenario: 'contract', sandbox: sb, dialect: 'v1', stages: null });
      assert.equal(r.code, 21, tail(r));
      assert.match(r.output, /not ok statusCode/);
      assert.match(r.output, /User variables:/, "expect's dump was printed");
      assert.doesNotMatch(r.output, /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./, 'no JWT (embed or user token) in the output');
      assert.doesNotMatch(r.output, /Bearer [A-Za-z0-9._~+/=-]{8,}/);
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
      assert.equal(r.code, 1, tail(r));
      assert.match(r.output, /contract: embed token response not understood \(non_json\)/);
    });
  });
});

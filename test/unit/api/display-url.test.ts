import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { displayUrl } from '../../../src/api/display-url.ts';

describe('displayUrl: one way to show a URL, in messages and reports', () => {
  it('never shows user info, a fragment, or a query parameter that carries a secret', () => {
    assert.equal(displayUrl('https://w.test/?token=eyJa.b.c&nonce=abc&shop=s'), 'https://w.test/?token=[redacted]&nonce=[redacted]&shop=s');
    assert.equal(displayUrl('https://ops:hunter2@api.luneo.app/api/v1/render/2d#x'), 'https://api.luneo.app/api/v1/render/2d');
    assert.equal(displayUrl('https://api.test/x?api_key=k1&password=p&page=2'), 'https://api.test/x?api_key=[redacted]&password=[redacted]&page=2');
  });

  it('a bare origin without its trailing slash; text that is no URL loses anything after ? or #', () => {
    assert.equal(displayUrl('http://127.0.0.1:4010/'), 'http://127.0.0.1:4010');
    assert.equal(displayUrl('http://127.0.0.1:4010'), 'http://127.0.0.1:4010');
    assert.equal(displayUrl('not a url?token=x'), 'not a url');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { handshakeMs, originForShop } from '../../../src/flows/embed-visit.ts';

describe('originForShop', () => {
  it('a shop without a custom domain sends its own domain over https', () => {
    assert.equal(originForShop('test-shop-1.myshopify.com'), 'https://test-shop-1.myshopify.com');
    assert.equal(originForShop('  Test-Shop-2.MyShopify.com '), 'https://test-shop-2.myshopify.com');
  });

  it('an explicit origin wins, reduced to scheme, host and port', () => {
    assert.equal(originForShop('s.myshopify.com', 'https://www.example-shop.com/products/mug?x=1'), 'https://www.example-shop.com');
    assert.equal(originForShop('s.myshopify.com', ' http://localhost:3000 '), 'http://localhost:3000');
    assert.equal(originForShop('s.myshopify.com', 'HTTPS://WWW.Example.COM:443/'), 'https://www.example.com');
  });

  it('an empty origin column falls back to the shop domain', () => {
    assert.equal(originForShop('s.myshopify.com', ''), 'https://s.myshopify.com');
    assert.equal(originForShop('s.myshopify.com', '   '), 'https://s.myshopify.com');
  });

  it('a malformed explicit origin throws rather than sending a wrong Origin', () => {
    assert.throws(() => originForShop('s.myshopify.com', 'www.example.com'));
  });
});

describe('handshakeMs', () => {
  it('adds the round trips', () => {
    assert.equal(handshakeMs([120, 35.5, 80]), 235.5);
    assert.equal(handshakeMs([7]), 7);
    assert.equal(handshakeMs([]), 0);
  });
});

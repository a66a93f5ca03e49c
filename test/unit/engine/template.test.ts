/**
 * The engine's compiled templates give what Artillery's own template
 * function gives, for the forms the scenarios use and a few more; think
 * times read as Artillery reads them; unsupported steps are refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unsupported } from '../../../engines/artillery-engine-luneo/flow.ts';
import { engineChoice } from '../../../engines/artillery-engine-luneo/index.ts';
import { splitUrl } from '../../../engines/artillery-engine-luneo/request-step.ts';
import { compileString, compileValue, TemplateCache } from '../../../engines/artillery-engine-luneo/template.ts';
import { thinkMs } from '../../../engines/artillery-engine-luneo/think-time.ts';
import { artilleryUtil } from './harness.ts';

const context = { vars: { tokenUrl: 'http://127.0.0.1:4010/api/embed/token?shop=a', n: 42, zero: 0, empty: '', obj: { a: 1, b: [1, 2] }, nested: { deep: { x: 'y' } }, list: ['p', 'q'] } };

test('string templates match Artillery engine_util.template', () => {
  const cases = [
    '{{ tokenUrl }}',
    '{{tokenUrl}}',
    '{{ n }}',
    '{{ zero }}',
    '{{ empty }}',
    '{{ missing }}',
    '{{ n }}ms',
    'id={{ n }}&shop={{ missing }}',
    'obj: {{ obj }}',
    '{{ nested.deep.x }}',
    '{{ list[1] }}',
    'plain text',
    '',
  ];
  for (const c of cases) assert.deepEqual(compileString(c, artilleryUtil.template)(context), artilleryUtil.template(c, context), c);
});

test('objects and arrays are templated inside, keys too; a value without templates is kept as is', () => {
  const src = { nonce: '{{ n }}', '{{ empty }}k': 'v', list: ['{{ n }}', 3], fixed: true };
  assert.deepEqual(compileValue(src, artilleryUtil.template)(context), artilleryUtil.template(src, context));
  const constant = { a: 1 };
  assert.equal(compileValue(constant, artilleryUtil.template)(context), constant);
});

test('function-call templates go to Artillery', () => {
  const withFuncs = { ...context, funcs: { $randomNumber: (a: number, b: number) => `${a}-${b}` } };
  assert.equal(compileString('{{ $randomNumber(1, 9) }}', artilleryUtil.template)(withFuncs), '1-9');
});

test('the cache renders strings hooks hand over, and stays bounded', () => {
  const cache = new TemplateCache(artilleryUtil.template, 2);
  assert.equal(cache.render('{{ n }}/x', context), '42/x');
  assert.equal(cache.render('no template', context), 'no template');
  for (let i = 0; i < 10; i++) assert.equal(cache.render(`{{ n }}/${i}`, context), `42/${i}`);
});

test('think times: whole numbers are seconds, units as Artillery reads them', () => {
  assert.equal(thinkMs(2), 2000);
  assert.equal(thinkMs('3'), 3000);
  assert.equal(thinkMs('250ms'), 250);
  assert.equal(thinkMs('1.5s'), 1500);
  assert.equal(thinkMs('2m'), 120_000);
  assert.equal(thinkMs(0.5), 0.5);
  assert.equal(thinkMs('0ms'), 0);
  assert.throws(() => thinkMs('soon'), /Invalid think time/);
});

test('URLs split into origin and path without a URL object', () => {
  assert.deepEqual(splitUrl('http://127.0.0.1:4010/api/x?y=1'), { origin: 'http://127.0.0.1:4010', path: '/api/x?y=1' });
  assert.deepEqual(splitUrl('https://widget.luneo.app'), { origin: 'https://widget.luneo.app', path: '/' });
  assert.deepEqual(splitUrl('https://widget.luneo.app?token=a#frag'), { origin: 'https://widget.luneo.app', path: '/?token=a' });
  assert.equal(splitUrl('ftp://x/y'), undefined);
  assert.equal(splitUrl('/relative'), undefined);
});

test('steps the engine does not run are refused, each named', () => {
  const processor = { ok: () => true };
  const problems = unsupported(
    [
      { get: { url: '/a', capture: { json: '$.x', as: 'x' } } },
      { loop: [{ post: { url: '/b', ifTrue: 'x > 1' } }], whileTrue: 'nope' },
      { parallel: [] },
      { get: { url: '/c', ifTrue: 'ok' } },
      { think: 1 },
    ],
    processor,
  );
  assert.deepEqual(problems, [
    'flow[0].get: "capture" is not supported',
    'flow[1]: whileTrue function "nope" is not in the processor',
    'flow[1].loop[0].post: ifTrue must name a processor function (expressions are not supported)',
    'flow[2]: step "parallel" is not supported (supported: loop, think, function, log, get, post, put, patch, delete, head, options)',
  ]);
});

test('LUNEO_ENGINE: luneo by default, http for the stock engine, anything else refused', () => {
  assert.equal(engineChoice({}), 'luneo');
  assert.equal(engineChoice({ LUNEO_ENGINE: 'luneo' }), 'luneo');
  assert.equal(engineChoice({ LUNEO_ENGINE: 'HTTP' }), 'http');
  assert.throws(() => engineChoice({ LUNEO_ENGINE: 'k6' }), /LUNEO_ENGINE must be "luneo"/);
});

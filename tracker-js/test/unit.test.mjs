// Unit tests of the tracker's pure parts, with Node's test runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { visitorId, sessionId, forget, SESSION_IDLE_MS } from '../src/ids.js';
import { isBlocked } from '../src/privacy.js';
import { campaign, pageUrl } from '../src/page.js';
import { createTransport } from '../src/transport.js';

function memory() {
  const m = new Map();
  return { _get: (k) => m.get(k) ?? null, _set: (k, v) => m.set(k, String(v)), _remove: (k) => m.delete(k), map: m };
}

for (const [file, limit] of [['vg.js', 2048], ['vg.auto.js', 1024]]) {
  test(`the built ${file} is at most ${limit} bytes gzipped`, () => {
    const size = gzipSync(readFileSync(new URL(`../dist/${file}`, import.meta.url)), { level: 9 }).length;
    assert.ok(size <= limit, `${file} is ${size} bytes gzipped`);
  });
}

test('a visitor keeps its id, from storage or from the cookie copy', () => {
  const store = memory();
  const cookies = memory();
  const first = visitorId(store, cookies);
  assert.match(first, /^v_[a-z0-9]{16}$/);
  assert.equal(visitorId(store, cookies), first);
  store.map.clear();
  assert.equal(visitorId(store, cookies), first, 'restored from the cookie');
  store._set('vg_q', '[{"id":"e_1","type":"identify","email":"a@b.se"}]');
  forget(store, cookies);
  assert.equal(store._get('vg_q'), '', 'kept identify events are forgotten too');
  assert.notEqual(visitorId(store, memory()), first);
});

test('a session ends after 30 idle minutes', () => {
  const store = memory();
  const t = 1_763_900_000_000;
  const s1 = sessionId(store, t);
  assert.equal(sessionId(store, t + SESSION_IDLE_MS - 1), s1);
  assert.equal(sessionId(store, t + 2 * SESSION_IDLE_MS - 2), s1, 'activity extends it');
  assert.notEqual(sessionId(store, t + 3 * SESSION_IDLE_MS), s1);
});

test('nothing is sent under GPC, DNT (when respected), opt-out, automation or a local page', () => {
  const w = (nav, hostname = 'example.com', protocol = 'https:') => ({ navigator: nav, location: { hostname, protocol } });
  const none = () => false;
  assert.equal(isBlocked(w({}), false, none), false);
  assert.equal(isBlocked(w({ globalPrivacyControl: true }), false, none), true);
  assert.equal(isBlocked(w({ doNotTrack: '1' }), false, none), false, 'DNT only when the site respects it');
  assert.equal(isBlocked(w({ doNotTrack: '1' }), false, (f) => f === 'respect-dnt'), true);
  assert.equal(isBlocked(w({}), true, none), true);
  assert.equal(isBlocked(w({ webdriver: true }), false, none), true);
  assert.equal(isBlocked(w({ webdriver: true }), false, (f) => f === 'allow-automation'), false);
  assert.equal(isBlocked(w({}, '127.0.0.1', 'http:'), false, none), true);
  assert.equal(isBlocked(w({}, 'localhost', 'http:'), false, (f) => f === 'allow-local'), false);
  assert.equal(isBlocked(w({}, '', 'file:'), false, none), true);
});

test('first-touch campaign parameters and click ids are read from the URL', () => {
  assert.deepEqual(campaign('https://x.com/p?utm_source=linkedin&utm_campaign=q4&gclid=abc&other=1'),
    { utm_source: 'linkedin', utm_campaign: 'q4', gclid: 'abc' });
  assert.equal(campaign('https://x.com/p?a=1'), undefined);
  assert.equal(pageUrl('https://x.com/a#b', false), 'https://x.com/a');
  assert.equal(pageUrl('https://x.com/#/route', true), 'https://x.com/#/route');
});

test('identify events are kept until delivered, and sent again after a failure', async () => {
  const store = memory();
  const bodies = [];
  let fail = true;
  const timers = [];
  const w = {
    navigator: {},
    setTimeout: (fn) => timers.push(fn),
    fetch: async (url, init) => {
      bodies.push(JSON.parse(init.body));
      if (fail) throw new TypeError('offline');
      return { status: 202 };
    },
  };
  const transport = createTransport('https://api/collect', () => ({ site: 'demo', visitor: 'v_12345678', session: 's_1' }), store, w);
  transport._send([{ id: 'e_1', type: 'identify', email: 'a@b.se' }], false, true);
  await new Promise((r) => setImmediate(r));
  assert.equal(JSON.parse(store._get('vg_q')).length, 1, 'kept while undelivered');
  assert.equal(timers.length, 1, 'a retry is scheduled');

  fail = false;
  timers.shift()();
  await new Promise((r) => setImmediate(r));
  assert.equal(JSON.parse(store._get('vg_q')).length, 0, 'forgotten once delivered');
  assert.deepEqual(bodies.map((b) => b.events[0].id), ['e_1', 'e_1'], 'the same event id both times');
});

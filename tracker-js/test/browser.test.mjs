// Browser tests: Debian's Chromium (driven by playwright-core, never a downloaded browser) loads
// pages that embed vg.js from the real API process, and the tests read back what the grains recorded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const ADMIN_KEY = 'browser-test-admin';
const API_DLL = new URL('../../api/VisitorGrains.Api/bin/Release/net10.0/VisitorGrains.Api.dll', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

let api;
let apiUrl;
let pages;
let pagesUrl;
let browser;
let data;
const fixtures = new Map();

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startApi() {
  data = mkdtempSync(join(tmpdir(), 'vg-browser-'));
  const env = {
    ...process.env,
    VG_DATA: data,
    VG_ADMIN_KEY: ADMIN_KEY,
    Orleans__SiloPort: String(await freePort()),
    Orleans__GatewayPort: String(await freePort()),
    Logging__LogLevel__Default: 'Warning',
    'Logging__LogLevel__Microsoft.Hosting.Lifetime': 'Information',
  };
  api = spawn('dotnet', [API_DLL, '--urls', 'http://127.0.0.1:0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  apiUrl = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the API did not start: ' + out)), 60_000);
    api.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/Now listening on: (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    api.on('exit', (code) => reject(new Error('the API exited with ' + code)));
  });
}

function startPages() {
  pages = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const html = fixtures.get(path.split('/')[1]) ?? fixtures.get(path);
    if (!html) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
  });
  return new Promise((resolve) => pages.listen(0, '127.0.0.1', () => {
    pagesUrl = `http://127.0.0.1:${pages.address().port}`;
    resolve();
  }));
}

/** A page that embeds the snippet as a site would; tests allow local pages and automation. */
function fixture(name, { attributes = '', extra = '', body = '' } = {}) {
  const tag = `<script async src="${apiUrl}/vg.js" data-site="demo" data-allow-local data-allow-automation ${attributes}></script>`;
  fixtures.set(name, `<!doctype html><html><head><title>${name} page</title>${tag}${extra}</head><body>${body}<p style="height:3000px">content</p></body></html>`);
  return `${pagesUrl}/${name}`;
}

async function visitor(page) {
  return page.evaluate(() => localStorage.getItem('vg_vid'));
}

async function recorded(visitorId, until, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    const response = await fetch(`${apiUrl}/api/sites/demo/visitors/${visitorId}`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
    last = response.status === 200 ? await response.json() : null;
    if (last && until(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

function collectRequests(page) {
  const seen = [];
  page.on('request', (r) => { if (r.url().endsWith('/collect')) seen.push(r); });
  return seen;
}

const PERSON_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

before(async () => {
  assert.ok(existsSync(API_DLL), 'build the API first (dotnet build -c Release)');
  assert.ok(existsSync(CHROMIUM), 'install Debian\'s chromium');
  await startApi();
  await startPages();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Playwright turns the back/forward cache off by default; the tracker must count restored pages.
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
    // A person's browser: the server drops automated browsers (HeadlessChrome) as bots.
    args: [`--user-agent=${PERSON_UA}`, '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  pages?.close();
  api?.kill('SIGTERM');
  await new Promise((r) => (api && api.exitCode === null ? api.on('exit', r) : r()));
  if (data) rmSync(data, { recursive: true, force: true });
});

test('a page load records the visitor\'s page view in its grain', async () => {
  const page = await browser.newPage();
  await page.goto(fixture('landing'));
  await page.waitForFunction(() => localStorage.getItem('vg_vid'));
  const view = await recorded(await visitor(page), (v) => v.pageViews === 1);
  assert.equal(view.journey[0].path, '/landing');
  assert.equal(view.journey[0].title, 'landing page');
  await page.close();
});

test('single-page navigations count once each: push, replace to the same URL, back', async () => {
  const page = await browser.newPage();
  await page.goto(fixture('spa'));
  await page.waitForFunction(() => localStorage.getItem('vg_vid'));
  await page.evaluate(() => history.pushState({}, '', '/spa/pricing'));
  await page.evaluate(() => history.replaceState({}, '', '/spa/pricing'));
  await page.evaluate(() => history.pushState({}, '', '/spa/contact'));
  await page.goBack();
  const view = await recorded(await visitor(page), (v) => v.pageViews >= 4);
  assert.deepEqual(view.journey.map((j) => j.path), ['/spa', '/spa/pricing', '/spa/contact', '/spa/pricing']);
  await page.close();
});

test('with Global Privacy Control nothing is sent and nothing is stored', async () => {
  const context = await browser.newContext();
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
  const page = await context.newPage();
  const requests = collectRequests(page);
  await page.goto(fixture('gpc'));
  await page.waitForFunction(() => window.__vg === 1);
  await page.evaluate(() => vg('track', 'demo_requested'));
  await page.waitForTimeout(500);
  assert.equal(requests.length, 0);
  assert.equal(await visitor(page), null);
  await context.close();
});

test('loading the script twice counts the page view once', async () => {
  const page = await browser.newPage();
  const requests = collectRequests(page);
  await page.goto(fixture('twice', { extra: `<script async src="${apiUrl}/vg.js" data-site="demo" data-allow-local data-allow-automation></script>` }));
  await page.waitForFunction(() => localStorage.getItem('vg_vid'));
  const view = await recorded(await visitor(page), (v) => v.pageViews >= 1);
  await page.waitForTimeout(300);
  assert.equal(requests.length, 1);
  assert.equal((await recorded(await visitor(page), () => true)).pageViews, 1);
  assert.equal(view.pageViews, 1);
  await page.close();
});

test('in consent mode nothing is sent or stored until the visitor consents', async () => {
  const page = await browser.newPage();
  const requests = collectRequests(page);
  await page.goto(fixture('consent', { attributes: 'data-consent="required"' }));
  await page.waitForFunction(() => window.__vg === 1);
  await page.waitForTimeout(300);
  assert.equal(requests.length, 0);
  assert.equal(await visitor(page), null);

  await page.evaluate(() => vg('consent', true));
  await page.waitForFunction(() => localStorage.getItem('vg_vid'));
  const view = await recorded(await visitor(page), (v) => v.pageViews === 1);
  assert.equal(view.journey[0].path, '/consent');
  await page.close();
});

test('in cookieless consent mode page views are sent with an id that is never stored', async () => {
  const page = await browser.newPage();
  const bodies = [];
  page.on('request', (r) => { if (r.url().endsWith('/collect')) bodies.push(JSON.parse(r.postData())); });
  await page.goto(fixture('cookieless', { attributes: 'data-consent="cookieless"' }));
  await page.waitForFunction(() => window.__vg === 1);
  await page.evaluate(() => vg('identify', 'anna.berg@volvocars.com'));
  await page.waitForTimeout(500);

  assert.equal(bodies.length, 1, 'the page view only: no identify without consent');
  const ephemeral = bodies[0].visitor;
  assert.match(ephemeral, /^v_/);
  assert.deepEqual(await page.evaluate(() => [Object.keys(localStorage), document.cookie]), [[], ''], 'nothing stored');
  assert.equal((await recorded(ephemeral, (v) => v.pageViews === 1)).pageViews, 1);

  await page.evaluate(() => vg('consent', true));
  await page.waitForFunction(() => localStorage.getItem('vg_vid'));
  assert.notEqual(await visitor(page), ephemeral, 'consent starts a lasting id');
  await page.close();
});

test('calls made before the script loaded are kept by the inline stub', async () => {
  const page = await browser.newPage();
  const stub = '<script>window.vg=window.vg||function(){(vg.q=vg.q||[]).push(arguments)};vg("track","demo_requested",{"plan":"pro"})</script>';
  fixtures.set('stub', `<!doctype html><html><head><title>stub page</title>${stub}<script async src="${apiUrl}/vg.js" data-site="demo" data-allow-local data-allow-automation></script></head><body></body></html>`);
  await page.goto(`${pagesUrl}/stub`);
  await page.waitForFunction(() => localStorage.getItem('vg_vid'));
  const view = await recorded(await visitor(page), (v) => v.journey.some((j) => j.name === 'demo_requested'));
  assert.ok(view.journey.some((j) => j.name === 'demo_requested'), JSON.stringify(view.journey));
  await page.close();
});

test('a hidden tab sends its engaged time by beacon', async () => {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
  const requests = collectRequests(page);
  await page.goto(fixture('engaged'));
  await page.waitForFunction(() => localStorage.getItem('vg_vid'));
  await page.mouse.wheel(0, 1500);
  await page.waitForTimeout(1300);
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const view = await recorded(await visitor(page), (v) => v.events >= 2);
  assert.equal(view.events, 2, 'the page view and its engagement');
  assert.ok(requests.some((r) => r.resourceType() === 'ping'), 'sent with navigator.sendBeacon');
  await page.close();
});

test('with a heartbeat, a visible page reports its engaged time while it stays open', async () => {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
  await page.goto(fixture('heartbeat', { attributes: 'data-heartbeat="1"' }));
  await page.waitForFunction(() => localStorage.getItem('vg_vid'));
  const view = await recorded(await visitor(page), (v) => v.events >= 3);
  assert.ok(view.events >= 3, `a page view and heartbeats, got ${view.events} events`);
  assert.equal(view.pageViews, 1);
  await page.close();
});

test('an identify made offline is delivered once, from the next page, when back online', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(fixture('offline'));
  await page.waitForFunction(() => localStorage.getItem('vg_vid'));
  const id = await visitor(page);
  await recorded(id, (v) => v.pageViews === 1);

  await context.setOffline(true);
  await page.evaluate(() => vg('identify', 'anna.berg@volvocars.com', { title: 'CFO' }));
  await page.waitForFunction(() => JSON.parse(localStorage.getItem('vg_q') || '[]').length === 1);
  await context.setOffline(false);
  await page.goto(fixture('offline-next'));

  const view = await recorded(id, (v) => v.email === 'anna.berg@volvocars.com' && v.pageViews === 2);
  assert.equal(view.email, 'anna.berg@volvocars.com');
  await page.waitForFunction(() => JSON.parse(localStorage.getItem('vg_q') || '[]').length === 0);
  await page.waitForTimeout(500);
  const after = await recorded(id, () => true);
  assert.equal(after.journey.filter((j) => j.type === 'identify').length, 1, 'delivered once');
  assert.equal(after.pageViews, 2);
  await context.close();
});

test('autocapture, opted in by attribute, sends forms (names, never values), downloads, outbound links and marked elements', async () => {
  const page = await browser.newPage();
  const bodies = [];
  page.on('request', (r) => { if (r.url().endsWith('/collect')) bodies.push(r.postData()); });
  const body = `
    <form id="demo-form" onsubmit="event.preventDefault()"><input name="company" value="Volvo Cars"><input type="email" name="work_email" value="anna.berg@volvocars.com"><button id="send">Send</button></form>
    <a id="pdf" href="/files/brochure.pdf" onclick="event.preventDefault()">Brochure</a>
    <a id="out" href="https://partner.example/page" onclick="event.preventDefault()">Partner</a>
    <button id="marked" data-vg-event="pricing_calculator" data-vg-prop-plan="pro">Calculate</button>`;
  const auto = `<script async src="${apiUrl}/vg.auto.js" data-forms data-outbound data-downloads></script>`;
  await page.goto(fixture('auto', { extra: auto, body }));
  await page.waitForFunction(() => localStorage.getItem('vg_vid') && window.__vgAuto);
  for (const id of ['#send', '#pdf', '#out', '#marked']) await page.click(id);

  const view = await recorded(await visitor(page), (v) => v.journey.filter((j) => j.type === 'event').length >= 4);
  assert.deepEqual(view.journey.filter((j) => j.type === 'event').map((j) => j.name),
    ['form_submitted', 'file_download', 'outbound_link', 'pricing_calculator']);
  const sent = bodies.join('\n');
  assert.match(sent, /"fields":\["company","work_email"\]/);
  assert.doesNotMatch(sent, /Volvo Cars|anna\.berg/, 'no field values without the email opt-in');
  assert.match(sent, /"plan":"pro"/);
  assert.equal(view.email, null);
  await page.close();
});

test('a page restored from the back/forward cache counts again', async () => {
  const page = await browser.newPage();
  const mark = '<script>addEventListener("pageshow", (e) => { if (e.persisted) window.restored = true; })</script>';
  await page.goto(fixture('bf-a', { extra: mark }));
  await page.waitForFunction(() => localStorage.getItem('vg_vid'));
  const id = await visitor(page);
  await recorded(id, (v) => v.pageViews === 1);
  await page.goto(fixture('bf-b'));
  await recorded(id, (v) => v.pageViews === 2);
  await page.goBack({ waitUntil: 'commit' }); // a restored page fires pageshow, not load
  await page.waitForFunction(() => window.restored === true, null, { timeout: 5000 });
  const view = await recorded(id, (v) => v.pageViews === 3);
  assert.deepEqual(view.journey.map((j) => j.path), ['/bf-a', '/bf-b', '/bf-a']);
  await page.close();
});

test('the API serves the snippet with cache headers and a versioned name', async () => {
  const plain = await fetch(`${apiUrl}/vg.js`);
  assert.equal(plain.status, 200);
  assert.match(plain.headers.get('content-type'), /javascript/);
  assert.equal(plain.headers.get('cache-control'), 'public, max-age=3600');
  const version = plain.headers.get('etag').replaceAll('"', '');
  const pinned = await fetch(`${apiUrl}/vg.${version}.js`);
  assert.equal(pinned.status, 200);
  assert.match(pinned.headers.get('cache-control'), /immutable/);
  assert.equal((await fetch(`${apiUrl}/vg.js`, { headers: { 'If-None-Match': `"${version}"` } })).status, 304);
});

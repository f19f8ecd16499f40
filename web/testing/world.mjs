// What the web UI's browser tests share: the real API process on a temp data folder, Debian's Chromium
// (driven by playwright-core, never a downloaded browser), a TCP proxy that can drop connections, and
// helpers that act as an admin or as the tracker over HTTP.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, connect } from 'node:net';
import { mkdtempSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const ADMIN_KEY = 'web-test-admin';
const API_DLL = new URL('../../api/VisitorGrains.Api/bin/Release/net10.0/VisitorGrains.Api.dll', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const ARTIFACTS = new URL('../test-artifacts/', import.meta.url).pathname;
// A person's browser: the server drops automated browsers (HeadlessChrome) as bots at /collect.
export const PERSON_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

function freePort() {
  return new Promise((resolve) => {
    const server = createHttpServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startWorld() {
  assert.ok(existsSync(API_DLL), 'build the API first (dotnet build -c Release)');
  assert.ok(existsSync(CHROMIUM), 'install Debian\'s chromium');
  mkdirSync(ARTIFACTS, { recursive: true });
  const data = mkdtempSync(join(tmpdir(), 'vg-web-'));
  const env = {
    ...process.env,
    VG_DATA: data,
    VG_ADMIN_KEY: ADMIN_KEY,
    Orleans__SiloPort: String(await freePort()),
    Orleans__GatewayPort: String(await freePort()),
    RateLimits__Enabled: 'false',
    Identification__ReverseDns: 'false',
    Logging__LogLevel__Default: 'Warning',
    'Logging__LogLevel__Microsoft.Hosting.Lifetime': 'Information',
  };
  const api = spawn('dotnet', [API_DLL, '--urls', 'http://127.0.0.1:0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
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
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [`--user-agent=${PERSON_UA}`, '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const world = {
    url,
    browser,
    async stop() {
      await browser.close();
      api.kill('SIGTERM');
      await new Promise((r) => (api.exitCode === null ? api.on('exit', r) : r()));
      rmSync(data, { recursive: true, force: true });
    },
    async admin(path, { method = 'GET', body, contentType = 'application/json' } = {}) {
      const response = await fetch(url + path, {
        method,
        headers: { Authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'Content-Type': contentType }) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let json = null;
      try { json = JSON.parse(text); } catch { /* not JSON */ }
      return { status: response.status, json, text, headers: response.headers };
    },
    async user(user, role, sites) {
      const created = await world.admin('/api/users', { method: 'POST', body: { user, password: PASSWORD, role, sites } });
      assert.equal(created.status, 201, created.text);
    },
    async account(site, { name, domain, status = 'lost-deal', owner = '', range, country = 'SE', city = '' }) {
      const csv = `name,domain,status,owner,products,industry,employees,revenue,country,ip_ranges\n${name},${domain},${status},${owner},,,,,${country},${range}\n`;
      const imported = await world.admin(`/api/sites/${site}/accounts`, { method: 'POST', body: csv, contentType: 'text/csv' });
      assert.equal(imported.json?.imported, 1, imported.text);
    },
    /** A page view as the tracker sends it, from a client address (loopback is a trusted proxy). */
    async pageview(site, visitor, path, ip, title = 'A page') {
      const body = { site, visitor, session: 's_web', events: [{ id: `e_${Math.random().toString(36).slice(2)}`, type: 'pageview', ts: Date.now(), url: `https://example.com${path}`, title }] };
      const response = await fetch(`${url}/collect`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain', 'X-Forwarded-For': ip, 'User-Agent': PERSON_UA },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 202);
    },
    /** Waits until the site's feed holds an alert for the company, and returns it. */
    async alertFor(site, companyId, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const alerts = (await world.admin(`/api/sites/${site}/alerts?after=0&limit=1000`)).json ?? [];
        const found = alerts.find((a) => a.company.id === companyId);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no alert for ${companyId}`);
    },
  };
  return world;
}

export const PASSWORD = 'a-long-enough-password';

/** A fresh browser context (its own cookies) signed in through the labelled form. */
export async function signedIn(world, user, base = world.url, { init } = {}) {
  const context = await world.browser.newContext({ viewport: { width: 1280, height: 900 } });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  page.on('pageerror', (error) => { page.errors = [...(page.errors ?? []), error]; });
  await page.goto(`${base}/login`);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/`);
  return page;
}

/**
 * A TCP proxy in front of the API: drop() cuts every open connection and refuses new ones (the network
 * is gone), restore() lets connections through again.
 */
export async function startProxy(target) {
  const { hostname, port } = new URL(target);
  const sockets = new Set();
  let down = false;
  const server = createTcpServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    client.pipe(upstream).pipe(client);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => { client.destroy(); upstream.destroy(); });
      s.on('close', () => sockets.delete(s));
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    drop() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore() { down = false; },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** The sequence numbers of the alert cards, top to bottom. */
export async function cardSeqs(page) {
  return page.$$eval('#alerts .alert-card', (cards) => cards.map((c) => Number(c.dataset.seq)));
}

/** Form controls that no label names (a <label for>, a wrapping label or aria-label): accessibility. */
export async function unlabelled(page) {
  return page.$$eval('main input:not([type=hidden]), main select, main textarea, main button', (controls) => controls
    .filter((c) => !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !(c.tagName === 'BUTTON' && c.textContent.trim()))
    .map((c) => c.outerHTML));
}

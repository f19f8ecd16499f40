// The web UI in Debian's Chromium against the real API process: sign-in, the live feed (within a second,
// and nothing missed or repeated across a dropped connection), the company page, the rules editor, site
// isolation, escaping of what visitors send, the sign-in throttle and the security headers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, signedIn, startProxy, cardSeqs, unlabelled, ARTIFACTS, PASSWORD, PERSON_UA } from '../testing/world.mjs';

let world;
let nextRange = 0;

/** A lost-deal account of its own address range: its first page view raises an alert. */
async function company(site, name, owner = 'erik') {
  const n = nextRange++;
  const block = n < 16 ? '198.51.100' : '203.0.113';
  const base = (n % 16) * 16;
  const domain = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '')}.example`;
  await world.account(site, { name, domain, owner, range: `${block}.${base}/28`, city: 'Gothenburg' });
  return { id: domain, name, ip: `${block}.${base + 1}` };
}

const visitorId = () => `v_${Math.random().toString(36).slice(2, 12)}`;

before(async () => {
  world = await startWorld();
  await world.user('erik', 'sales', ['demo']);
  await world.user('mia', 'marketer', ['demo']);
  await world.user('anna', 'sales', ['demo']);
  await world.admin('/api/sites/other', { method: 'PUT', body: { name: 'Other', origins: ['https://other.example'] } });
  await world.user('bea', 'sales', ['other']);
});

after(async () => {
  await world?.stop();
});

test('the sign-in page is public and served with a CSP without unsafe-inline, frame-ancestors and nosniff', async () => {
  const response = await fetch(`${world.url}/login`);
  assert.equal(response.status, 200);
  const csp = response.headers.get('content-security-policy');
  assert.ok(csp, 'a Content-Security-Policy header');
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(response.headers.get('referrer-policy'));
  const feed = await fetch(`${world.url}/`, { redirect: 'manual' });
  assert.equal(feed.status, 302);
  assert.match(feed.headers.get('location'), /^\/login/);
  assert.equal((await fetch(`${world.url}/api/sites/demo/alerts`)).status, 401, 'the API answers 401, never a redirect');
});

test('a salesperson signs in with the labelled form, and an alert card appears within a second of the page view', async () => {
  const acme = await company('demo', 'Acme Fasteners');
  const page = await signedIn(world, 'erik');
  await page.locator('#connection', { hasText: 'Live' }).waitFor();

  await world.pageview('demo', visitorId(), '/pricing', acme.ip, 'Pricing');
  const card = page.locator('#alerts .alert-card', { hasText: 'Acme Fasteners' });
  await card.waitFor({ timeout: 1000 });

  const alert = await world.alertFor('demo', acme.id);
  assert.equal(await card.getAttribute('data-seq'), String(alert.seq));
  assert.equal(await card.locator('[data-field=rule]').textContent(), 'lost-deal-returns');
  assert.equal(await card.locator('[data-field=temperature]').textContent(), alert.temperature);
  assert.equal(await card.locator('[data-field=score]').textContent(), `Score ${alert.score}`);
  assert.match(await card.locator('[data-field=location]').textContent(), /SE/);
  assert.match(await card.locator('[data-field=assignee]').textContent(), /erik \(you\)/);
  assert.match(await card.locator('[data-field=reasons]').textContent(), /crm:lost-deal/);
  assert.match(await card.locator('[data-field=pages]').textContent(), /\/pricing/);
  await page.locator('#on-site', { hasText: 'Acme Fasteners' }).waitFor();
  assert.deepEqual(await unlabelled(page), [], 'every control has a label');
  await page.screenshot({ path: `${ARTIFACTS}feed.png`, fullPage: true });
  assert.deepEqual(page.errors ?? [], []);
  await page.context().close();
});

test('after a dropped connection the feed shows each missed alert once, in order', async () => {
  const proxy = await startProxy(world.url);
  try {
    const page = await signedIn(world, 'erik', proxy.url);
    await page.locator('#connection', { hasText: 'Live' }).waitFor();
    const before = await cardSeqs(page);

    const live = await company('demo', 'Before Drop');
    await world.pageview('demo', visitorId(), '/pricing', live.ip);
    await page.locator('#alerts .alert-card', { hasText: 'Before Drop' }).waitFor();

    proxy.drop();
    await page.locator('#connection', { hasText: /Reconnecting|Offline/ }).waitFor();
    const missed = [];
    for (const name of ['Missed One', 'Missed Two', 'Missed Three']) {
      const c = await company('demo', name);
      await world.pageview('demo', visitorId(), '/pricing', c.ip);
      missed.push(await world.alertFor('demo', c.id));
    }
    assert.equal((await cardSeqs(page)).length, before.length + 1, 'nothing arrives while the connection is down');

    proxy.restore();
    await page.locator('#connection', { hasText: 'Live' }).waitFor({ timeout: 20_000 });
    await page.locator('#alerts .alert-card', { hasText: 'Missed Three' }).waitFor();

    const all = (await world.admin('/api/sites/demo/alerts?after=0&limit=1000')).json.map((a) => a.seq);
    const seqs = await cardSeqs(page);
    assert.deepEqual(seqs, [...all].sort((a, b) => b - a), 'every alert once, newest first, none repeated');
    for (const alert of missed) assert.equal(seqs.filter((s) => s === alert.seq).length, 1);
    // The missed ones arrived in order: their cards stand newest first, one after the other.
    const top = await page.$$eval('#alerts .alert-card h3', (h) => h.slice(0, 3).map((e) => e.textContent));
    assert.deepEqual(top, ['Missed Three', 'Missed Two', 'Missed One']);
    await page.context().close();
  } finally {
    proxy.close();
  }
});

test('an alert assigned to me raises a browser notification; one of a colleague does not', async () => {
  // The page's Notification, recorded (the test's own script, added before the page's).
  const init = () => {
    window.__notified = [];
    window.Notification = class {
      static permission = 'granted';
      static requestPermission() { return Promise.resolve('granted'); }
      constructor(title) { window.__notified.push(title); }
    };
  };
  const page = await signedIn(world, 'erik', world.url, { init });
  await page.locator('#connection', { hasText: 'Live' }).waitFor();
  const theirs = await company('demo', 'Not Eriks', 'piotr');
  const mine = await company('demo', 'Eriks Own');
  await world.pageview('demo', visitorId(), '/pricing', theirs.ip);
  await page.locator('#alerts .alert-card', { hasText: 'Not Eriks' }).waitFor();
  await world.pageview('demo', visitorId(), '/pricing', mine.ip);
  await page.locator('#alerts .alert-card', { hasText: 'Eriks Own' }).waitFor();
  await page.waitForFunction(() => window.__notified.length > 0);
  assert.deepEqual(await page.evaluate(() => window.__notified), ['Eriks Own is cold']);
  await page.context().close();
});

test('the feed filters by assignee, temperature and rule', async () => {
  const other = await company('demo', 'Someone Elses', 'piotr');
  await world.pageview('demo', visitorId(), '/pricing', other.ip);
  await world.alertFor('demo', other.id);
  const page = await signedIn(world, 'erik');
  await page.locator('#alerts .alert-card', { hasText: 'Someone Elses' }).waitFor();
  await page.getByLabel('Show').selectOption('mine');
  await page.locator('#alerts .alert-card', { hasText: 'Someone Elses' }).waitFor({ state: 'detached' });
  assert.ok((await cardSeqs(page)).length > 0, 'erik\'s own alerts stay');
  await page.getByLabel('Show').selectOption('all');
  await page.getByLabel('Rule').selectOption('surge');
  assert.deepEqual(await cardSeqs(page), []);
  await page.context().close();
});

test('a claim in one browser shows in the other at once; a rejection carries its reason', async () => {
  const lead = await company('demo', 'Claimable Co');
  await world.pageview('demo', visitorId(), '/pricing', lead.ip);
  const alert = await world.alertFor('demo', lead.id);
  const erik = await signedIn(world, 'erik');
  const anna = await signedIn(world, 'anna');
  const mineCard = erik.locator(`#alerts .alert-card[data-seq="${alert.seq}"]`);
  const theirCard = anna.locator(`#alerts .alert-card[data-seq="${alert.seq}"]`);
  await theirCard.locator('[data-field=handling]', { hasText: 'Unclaimed' }).waitFor();

  // By keyboard: focus the button and press Enter.
  await mineCard.getByRole('button', { name: 'Claim' }).focus();
  await erik.keyboard.press('Enter');
  await theirCard.locator('[data-field=handling]', { hasText: 'Claimed by erik' }).waitFor({ timeout: 1000 });
  assert.equal(await theirCard.getByRole('button', { name: 'Claim' }).count(), 0);
  assert.equal(await theirCard.getByRole('button', { name: 'Accept as SQL' }).count(), 0);

  await mineCard.getByText('Reject…').click();
  await mineCard.getByLabel('Reason for rejecting').fill('a student');
  await mineCard.getByRole('button', { name: 'Reject', exact: true }).click();
  await theirCard.locator('[data-field=handling]', { hasText: 'rejected: a student' }).waitFor({ timeout: 1000 });

  const status = await anna.evaluate(async (seq) => (await fetch(`/api/sites/demo/alerts/${seq}/handling`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-VG-Request': '1' }, body: JSON.stringify({ action: 'accept' }),
  })).status, alert.seq);
  assert.equal(status, 409, 'only the one who claimed it accepts it');
  await anna.reload();
  await anna.locator(`#alerts .alert-card[data-seq="${alert.seq}"] [data-field=handling]`, { hasText: 'Claimed by erik' }).waitFor();
  await erik.context().close();
  await anna.context().close();
});

test('a page title carrying a script tag is shown as text on the company page, and no script runs', async () => {
  const target = await company('demo', 'Script Kiddies');
  const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>Pricing';
  const visitor = visitorId();
  await world.pageview('demo', visitor, '/pricing', target.ip, hostile);
  await world.pageview('demo', visitor, '/customers/volvo', target.ip, 'Case: Volvo');
  await world.alertFor('demo', target.id);

  const page = await signedIn(world, 'erik');
  await page.locator('#alerts .alert-card', { hasText: 'Script Kiddies' }).getByRole('link', { name: 'Script Kiddies' }).first().click();
  await page.waitForURL(/\/companies\/scriptkiddies\.example/);
  const title = page.locator('.timeline .title', { hasText: 'Pricing' });
  await title.waitFor();
  assert.equal(await title.textContent(), hostile);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('main img').count(), 0);
  assert.equal(await page.locator('#company-name').textContent(), 'Script Kiddies');
  assert.match(await page.locator('.breakdown').textContent(), /page:pricing/);
  assert.equal(await page.locator('svg.chart circle').count() >= 2, true, 'the score over time: the alert and now');
  await page.screenshot({ path: `${ARTIFACTS}company.png`, fullPage: true });
  await page.context().close();
});

test('a marketer saves rules with an error: the message shows at the field and nothing changes', async () => {
  const before = await world.admin('/api/sites/demo/rules');
  const page = await signedIn(world, 'mia');
  await page.getByRole('link', { name: 'Rules' }).click();
  const editor = page.getByLabel('Rules document (JSON)');
  await page.locator('#rules-version', { hasText: 'version' }).waitFor();
  assert.deepEqual(await unlabelled(page), [], 'every control has a label');
  const doc = JSON.parse(await editor.inputValue());
  doc.pages[0].category = 'astrology';
  await editor.fill(JSON.stringify(doc, null, 2));
  await page.getByRole('button', { name: 'Save rules' }).click();

  const error = page.locator('.field-error[data-path="pages[0].category"]');
  await error.waitFor();
  assert.match(await error.textContent(), /Unknown category 'astrology'/);
  assert.match(await error.textContent(), /line \d+/);
  assert.equal(await editor.getAttribute('aria-invalid'), 'true');
  // Selecting the error puts the cursor on the value at fault.
  await error.getByRole('button').click();
  assert.equal(await editor.evaluate((e) => e.value.slice(e.selectionStart, e.selectionEnd)), '"astrology"');

  const after = await world.admin('/api/sites/demo/rules');
  assert.equal(after.headers.get('vg-rules-version'), before.headers.get('vg-rules-version'));
  assert.equal(after.text, before.text);
  await page.context().close();
});

test('a valid save changes the score of the next page view, and an old version can be restored', async () => {
  const page = await signedIn(world, 'mia');
  await page.goto(`${world.url}/rules`);
  const editor = page.getByLabel('Rules document (JSON)');
  await page.locator('#rules-version', { hasText: 'version' }).waitFor();
  const version = Number((await page.locator('#rules-version').textContent()).replace(/\D/g, ''));
  const doc = JSON.parse(await editor.inputValue());
  doc.pages.find((p) => p.match === '/pricing*').points = 33;
  await editor.fill(JSON.stringify(doc, null, 2));
  await page.getByRole('button', { name: 'Save rules' }).click();
  await page.locator('#rules-saved', { hasText: `version ${version + 1}` }).waitFor();

  const visitor = visitorId();
  await world.pageview('demo', visitor, '/pricing', '192.0.2.10');
  const view = (await world.admin(`/api/sites/demo/visitors/${visitor}`)).json;
  assert.equal(view.score, 33);

  await page.getByRole('button', { name: `Restore version ${version}` }).click();
  await page.locator('#rules-saved', { hasText: `Version ${version} restored` }).waitFor();
  const restored = await world.admin('/api/sites/demo/rules');
  assert.equal(JSON.parse(restored.text).pages.find((p) => p.match === '/pricing*').points, 20);
  await page.context().close();
});

test('a marketer previews a sample journey under the draft without saving it', async () => {
  const before = await world.admin('/api/sites/demo/rules');
  const page = await signedIn(world, 'mia');
  await page.goto(`${world.url}/rules`);
  const editor = page.getByLabel('Rules document (JSON)');
  await page.locator('#rules-version', { hasText: 'version' }).waitFor();
  const doc = JSON.parse(await editor.inputValue());
  doc.pages.find((p) => p.match === '/pricing*').points = 44;
  await editor.fill(JSON.stringify(doc, null, 2));
  await page.getByLabel('Pages of the sample journey, one a line').fill('/pricing\n/careers');
  await page.getByRole('button', { name: 'Score with the draft' }).click();
  await page.locator('#preview-score', { hasText: 'Score 29' }).waitFor();
  assert.match(await page.locator('#preview-result').textContent(), /page:pricing \+44/);
  const after = await world.admin('/api/sites/demo/rules');
  assert.equal(after.headers.get('vg-rules-version'), before.headers.get('vg-rules-version'));
  await page.context().close();
});

test('a marketer imports accounts from a CSV file and sees each bad row\'s error; the snippet is ready to paste', async () => {
  const page = await signedIn(world, 'mia');
  await page.getByRole('link', { name: 'Site settings' }).click();
  assert.match(await page.getByLabel(/Paste this into every page/).inputValue(), /<script async src="http:\/\/127\.0\.0\.1:\d+\/vg\.js" data-site="demo"><\/script>/);
  const csv = 'name,domain,status,owner,products,industry,employees,revenue,country,ip_ranges\n'
    + 'Imported Good,importedgood.example,target,erik,,,,,SE,192.0.2.128/28\n'
    + 'Imported Bad,importedbad.example,target,erik,,,,,SE,not-a-range\n';
  assert.deepEqual(await unlabelled(page), [], 'every control has a label');
  await page.getByLabel('SLA: minutes within which sales claims an alert').fill('15');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Saved.', { exact: true }).waitFor();
  assert.equal((await world.admin('/api/sites/demo')).json.slaMinutes, 15);
  await page.getByLabel('CSV file').setInputFiles({ name: 'accounts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.locator('#import-result', { hasText: 'Imported 1 of 2 rows' }).waitFor();
  const row = page.locator('#import-result tbody tr');
  assert.equal(await row.count(), 1);
  assert.match(await row.textContent(), /ip_ranges/);
  assert.equal(await page.locator('#import-progress').getAttribute('value'), '100');
  await page.locator('#accounts-table tbody tr', { hasText: 'importedgood.example' }).waitFor();
  assert.match(await page.locator('#accounts-table').textContent(), /192\.0\.2\.128\/28/);
  await page.context().close();
});

test('reports show the lifecycle funnel, leads by source per week, alerts per week by rule and the top companies', async () => {
  // A lead whose first page view came from a newsletter link.
  await world.account('demo', { name: 'Source Co', domain: 'sourceco.example', status: 'target', range: '192.0.2.32/28' });
  await world.pageview('demo', 'v_source_0001', '/landing?utm_source=Newsletter', '192.0.2.40');
  const identify = await fetch(`${world.url}/collect`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain', 'X-Forwarded-For': '192.0.2.40', 'User-Agent': PERSON_UA },
    body: JSON.stringify({ site: 'demo', visitor: 'v_source_0001', events: [{ id: 'e_source_identify', type: 'identify', ts: Date.now(), email: 'kim@sourceco.example' }] }),
  });
  assert.equal(identify.status, 202);
  for (let i = 0; i < 100; i++) {
    const company = (await world.admin('/api/sites/demo/companies/sourceco.example')).json;
    if (company?.visitors?.[0]?.leadAt) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const page = await signedIn(world, 'mia');
  await page.getByRole('link', { name: 'Reports' }).click();
  await page.locator('#funnel li').first().waitFor();
  assert.match(await page.locator('#funnel').textContent(), /prospect/);
  assert.match(await page.locator('#leads-by-source').textContent(), /leads · newsletter/);
  assert.ok(await page.locator('#alerts-by-week tbody tr').count() >= 1);
  assert.match(await page.locator('#alerts-by-week thead').textContent(), /lost-deal-returns/);
  assert.ok(await page.locator('#top-companies a').count() >= 1);
  await page.screenshot({ path: `${ARTIFACTS}reports.png`, fullPage: true });
  await page.context().close();
});

test('a salesperson of another site sees nothing of demo: no cards, the API and the pages answer 403, the hub refuses', async () => {
  const secret = await company('demo', 'Secret Demo Co');
  await world.pageview('demo', visitorId(), '/pricing', secret.ip);
  await world.alertFor('demo', secret.id);

  const page = await signedIn(world, 'bea');
  await page.locator('#connection', { hasText: 'Live' }).waitFor();
  assert.match(await page.locator('.site-name').textContent(), /other/);
  assert.deepEqual(await cardSeqs(page), []);
  const status = await page.evaluate(async () => (await fetch('/api/sites/demo/alerts?after=0')).status);
  assert.equal(status, 403);
  const companyStatus = await page.evaluate(async (id) => (await fetch(`/api/sites/demo/companies/${id}`)).status, secret.id);
  assert.equal(companyStatus, 403);

  // The hub, spoken to directly from bea's page with her session (SignalR's JSON protocol over a WebSocket).
  const refusal = await page.evaluate(() => new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${location.host}/hubs/prospects`);
    const RS = '\u001e';
    ws.onopen = () => ws.send(JSON.stringify({ protocol: 'json', version: 1 }) + RS);
    ws.onmessage = (event) => {
      for (const frame of String(event.data).split(RS).filter(Boolean)) {
        const message = JSON.parse(frame);
        if (!('type' in message)) {
          ws.send(JSON.stringify({ type: 1, invocationId: '1', target: 'Subscribe', arguments: ['demo', 0] }) + RS);
        } else if (message.type === 1) {
          reject(new Error('an alert of demo arrived'));
        } else if (message.type === 3) {
          ws.close();
          resolve(message.error ?? 'subscribed');
        }
      }
    };
    ws.onerror = () => reject(new Error('the hub connection failed'));
  }));
  assert.match(refusal, /Not allowed to follow this site/);

  for (const path of ['/?site=demo', `/companies/${secret.id}?site=demo`, '/rules?site=demo']) {
    const response = await page.goto(`${world.url}${path}`);
    assert.equal(response.status(), 403, path);
    assert.equal(await page.locator('text=Secret Demo Co').count(), 0);
  }
  await page.context().close();
});

test('wrong passwords five times throttle the sign-in: the form says so and the server answers 429', async () => {
  const context = await world.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${world.url}/login`);
  for (let i = 0; i < 5; i++) {
    await page.getByLabel('User name').fill('erik');
    await page.getByLabel('Password').fill(`wrong-password-${i}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#login-error', { hasText: 'Wrong user name or password' }).waitFor();
    await page.locator('button:enabled', { hasText: 'Sign in' }).waitFor();
  }
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#login-error', { hasText: 'Too many failed sign-ins' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/login', 'even the right password waits');

  const response = await fetch(`${world.url}/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: 'erik', password: PASSWORD }),
  });
  assert.equal(response.status, 429);
  assert.ok(Number(response.headers.get('retry-after')) > 0);
  await context.close();
});

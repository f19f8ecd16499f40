// The signed-in UI: one shell, routed by path. Each page is a module that renders into <main>.
import { api } from './api.js';
import { h, clear } from './dom.js';
import { feedPage } from './feed.js';
import { companyPage } from './company.js';
import { rulesPage } from './rules.js';
import { settingsPage } from './settings.js';
import { reportsPage } from './reports.js';

const main = document.getElementById('main');

async function start() {
  document.body.append(h('div', { id: 'announcer', class: 'visually-hidden', role: 'status', 'aria-live': 'polite' }));
  const me = await api('/api/me');
  me.canConfigure = me.role === 'admin' || me.role === 'marketer';
  const site = chooseSite(me);
  document.getElementById('whoami').textContent = `${me.user} (${me.role})`;
  document.getElementById('logout').addEventListener('click', async () => {
    await api('/logout', { method: 'POST' });
    location.assign('/login');
  });
  nav(me, site);

  const path = location.pathname;
  const company = path.match(/^\/companies\/([^/]+)$/);
  try {
    if (path === '/') await feedPage(main, me, site);
    else if (company) await companyPage(main, me, site, decodeURIComponent(company[1]));
    else if (path === '/rules') await rulesPage(main, me, site);
    else if (path === '/settings' || path === '/accounts') await settingsPage(main, me, site);
    else if (path === '/reports') await reportsPage(main, me, site);
    else clear(main).append(h('h1', {}, 'Not found'));
  } catch (error) {
    clear(main).append(h('h1', {}, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, error.message));
  }
}

/** The site in the address (?site=), else the user's first; admins of every site default to demo. */
function chooseSite(me) {
  const asked = new URLSearchParams(location.search).get('site');
  const own = me.sites.filter((s) => s !== '*');
  if (asked) return asked;
  return own[0] || 'demo';
}

function nav(me, site) {
  const list = document.getElementById('nav');
  const q = `?site=${encodeURIComponent(site)}`;
  const links = [['/', 'Live feed']];
  if (me.canConfigure) links.push(['/rules', 'Rules'], ['/reports', 'Reports'], ['/settings', 'Site settings']);
  for (const [href, label] of links) {
    const current = location.pathname === href;
    list.append(h('li', {}, h('a', { href: href + q, 'aria-current': current ? 'page' : null }, label)));
  }
}

start().catch((error) => {
  clear(main).append(h('p', { class: 'error', role: 'alert' }, error.message));
});

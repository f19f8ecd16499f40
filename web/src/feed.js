// The live feed: alerts as they happen, newest first. Subscribes with the last sequence it has seen, so
// after a dropped connection it receives exactly what it missed, in order, once.
import { HubConnectionBuilder, HubConnectionState, LogLevel } from '@microsoft/signalr';
import { CSRF_HEADER, api, sitePath } from './api.js';
import { h, clear, time, announce } from './dom.js';
import { notifyAssigned } from './notify.js';

const RULES = ['high-intent-page', 'icp-company', 'lost-deal-returns', 'customer-new-product', 'hot-company', 'surge'];
const ON_SITE_MINUTES = 5;

export async function feedPage(main, me, site) {
  document.title = `Live feed · ${site} · VisitorGrains`;
  let pending = null;
  const siteInfo = await api(sitePath(site)).catch(() => null);
  const slaMinutes = siteInfo?.slaMinutes ?? 60;
  const state = { site, lastSeq: 0, alerts: [], handling: new Map(), ready: false, filters: { who: 'all', temperature: '', rule: '' } };
  const canHandle = me.role === 'sales' || me.role === 'admin';

  const status = h('span', { id: 'connection', class: 'connection', role: 'status' }, 'Connecting…');
  const list = h('ol', { id: 'alerts', class: 'alerts', 'aria-label': 'Alerts, newest first' });
  const empty = h('p', { id: 'no-alerts', class: 'muted' }, 'No alerts yet. They appear here as they happen.');
  const error = h('p', { id: 'feed-error', class: 'error', role: 'alert', hidden: true });
  const onSite = h('ul', { id: 'on-site', class: 'on-site' });
  const sla = h('dl', { id: 'sla', class: 'facts' });

  const select = (id, label, options, key) => {
    const control = h('select', { id, onchange: () => { state.filters[key] = control.value; render(); } },
      options.map(([value, text]) => h('option', { value }, text)));
    return h('p', { class: 'field' }, h('label', { for: id }, label), control);
  };
  const sound = h('input', { id: 'sound', type: 'checkbox' });
  sound.checked = localStorage.getItem('vg.sound') === '1';
  sound.addEventListener('change', () => localStorage.setItem('vg.sound', sound.checked ? '1' : '0'));
  const notifyButton = h('button', { type: 'button', id: 'enable-notifications', onclick: async () => {
    if ('Notification' in window) await Notification.requestPermission();
    notifyButton.hidden = !('Notification' in window) || Notification.permission !== 'default';
  } }, 'Enable notifications');
  notifyButton.hidden = !('Notification' in window) || Notification.permission !== 'default';

  clear(main).append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Live feed'), sitePicker(me, site), status),
    h('form', { class: 'filters', 'aria-label': 'Filters', onsubmit: (e) => e.preventDefault() },
      select('filter-who', 'Show', [['all', 'All alerts'], ['mine', 'Assigned to me']], 'who'),
      select('filter-temperature', 'Temperature', [['', 'Any'], ['hot', 'Hot'], ['warm', 'Warm'], ['cold', 'Cold']], 'temperature'),
      select('filter-rule', 'Rule', [['', 'Any rule'], ...RULES.map((r) => [r, r])], 'rule'),
      h('p', { class: 'field checkbox' }, sound, h('label', { for: 'sound' }, 'Sound for my alerts')),
      notifyButton),
    error,
    h('div', { class: 'columns' },
      h('section', { 'aria-labelledby': 'alerts-heading', class: 'feed' }, h('h2', { id: 'alerts-heading' }, 'Alerts'), empty, list),
      h('aside', { 'aria-labelledby': 'on-site-heading', class: 'side' },
        h('h2', { id: 'sla-heading' }, 'SLA at a glance'), sla,
        h('h2', { id: 'on-site-heading' }, 'On the site now'), onSite)));

  function visible(alert) {
    const f = state.filters;
    const claimedBy = state.handling.get(alert.seq)?.claimedBy;
    const mine = [alert.assignee, claimedBy].some((u) => (u || '').toLowerCase() === me.user.toLowerCase());
    if (f.who === 'mine' && !mine) return false;
    if (f.temperature && alert.temperature !== f.temperature) return false;
    if (f.rule && alert.rule !== f.rule) return false;
    return true;
  }

  function render() {
    const shown = state.alerts.filter(visible);
    list.replaceChildren(...shown.map(cardOf));
    empty.hidden = shown.length > 0;
    renderSla();
  }

  const cardOf = (alert) => card(alert, site, me, state.handling.get(alert.seq), canHandle ? act : null);

  /** Replaces one alert's card in place (a claim by a colleague, an outcome), keeping focus in it. */
  function update(seq) {
    const old = list.querySelector(`.alert-card[data-seq="${seq}"]`);
    const alert = state.alerts.find((a) => a.seq === seq);
    if (!old || !alert) return;
    const hadFocus = old.contains(document.activeElement);
    const fresh = cardOf(alert);
    old.replaceWith(fresh);
    if (hadFocus) fresh.querySelector('[data-field=handling]')?.focus();
    renderSla();
  }

  async function act(alert, action, extra = {}) {
    const box = list.querySelector(`.alert-card[data-seq="${alert.seq}"] .card-error`);
    try {
      const handling = await api(sitePath(site, `/alerts/${alert.seq}/handling`), { method: 'POST', body: { action, ...extra } });
      state.handling.set(handling.seq, handling);
      update(handling.seq);
    } catch (e) {
      if (box) { box.textContent = e.message; box.hidden = false; }
    }
  }

  async function loadHandling() {
    try {
      for (const handling of await api(sitePath(site, '/alerts/handling?after=0'))) state.handling.set(handling.seq, handling);
      render();
    } catch { /* shown again on the next update */ }
  }

  function renderSla() {
    const now = Date.now();
    const open = state.alerts.filter((a) => !state.handling.get(a.seq)?.claimedBy);
    const oldest = open.length ? Math.round((now - Math.min(...open.map((a) => Date.parse(a.at)))) / 60_000) : null;
    const claimTimes = state.alerts.map((a) => [a, state.handling.get(a.seq)]).filter(([, x]) => x?.claimedAt)
      .map(([a, x]) => (Date.parse(x.claimedAt) - Date.parse(a.at)) / 60_000).sort((a, b) => a - b);
    const median = claimTimes.length ? claimTimes[Math.floor(claimTimes.length / 2)] : null;
    const handled = [...state.handling.values()];
    const count = (f) => handled.filter(f).length;
    const late = open.filter((a) => now - Date.parse(a.at) > slaMinutes * 60_000).length;
    sla.replaceChildren(
      h('dt', {}, `Over the SLA (${slaMinutes} min)`), h('dd', { 'data-field': 'over-sla', class: late ? 'error' : 'ok' }, String(late)),
      h('dt', {}, 'Unclaimed'), h('dd', { 'data-field': 'unclaimed' }, String(open.length), oldest === null ? '' : ` (oldest ${oldest} min)`),
      h('dt', {}, 'Median time to claim'), h('dd', {}, median === null ? '—' : `${median.toFixed(1)} min`),
      h('dt', {}, 'Accepted / rejected'), h('dd', {}, `${count((x) => x.outcome === 'accepted')} / ${count((x) => x.outcome === 'rejected')}`),
      h('dt', {}, 'Good / junk'), h('dd', {}, `${count((x) => x.quality === 'good')} / ${count((x) => x.quality === 'junk')}`));
  }

  function receive(alert) {
    if (alert.site !== state.site || alert.seq <= state.lastSeq) return;
    state.lastSeq = alert.seq;
    state.alerts.unshift(alert);
    if (state.alerts.length > 500) state.alerts.length = 500;
    if (visible(alert)) {
      list.prepend(cardOf(alert));
      empty.hidden = true;
    }
    renderSla();
    if (state.ready) {
      refreshSoon();
      announce(`New alert: ${alert.company.name}, ${alert.temperature}, score ${alert.score}`);
      if ((alert.assignee || '').toLowerCase() === me.user.toLowerCase()) notifyAssigned(alert, sound.checked);
    }
  }

  const connection = new HubConnectionBuilder()
    .withUrl('/hubs/prospects', { headers: { [CSRF_HEADER]: '1' } })
    // Never give up: retry quickly first, then every few seconds.
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (context) => Math.min(5000, 250 * 2 ** context.previousRetryCount) })
    .configureLogging(LogLevel.Warning)
    .build();
  connection.on('alert', receive);
  connection.on('alertUpdated', (handling) => {
    if (handling.site !== state.site) return;
    state.handling.set(handling.seq, handling);
    update(handling.seq);
    if (state.filters.who === 'mine') render();
  });

  const subscribe = async () => {
    try {
      await connection.invoke('Subscribe', state.site, state.lastSeq);
      // Claims made while this page was away: load them after subscribing, so none falls between.
      await loadHandling();
      error.hidden = true;
      state.ready = true;
      setStatus('Live');
    } catch (e) {
      error.textContent = `Cannot follow ${state.site}: ${(e.message || '').replace(/^.*HubException: /, '')}`;
      error.hidden = false;
      setStatus('Not subscribed');
    }
  };
  const setStatus = (text) => {
    status.textContent = text;
    status.dataset.state = connection.state;
  };
  connection.onreconnecting(() => setStatus('Reconnecting…'));
  connection.onreconnected(subscribe);
  connection.onclose(() => {
    setStatus('Offline');
    setTimeout(connect, 2000);
  });

  async function connect() {
    if (connection.state !== HubConnectionState.Disconnected) return;
    try {
      await connection.start();
      await subscribe();
    } catch {
      setStatus('Offline');
      setTimeout(connect, 2000);
    }
  }

  await connect();

  async function refreshOnSite() {
    try {
      const companies = await api(sitePath(site, '/companies'));
      const since = Date.now() - ON_SITE_MINUTES * 60_000;
      const now = companies.filter((c) => Date.parse(c.lastSeen) >= since)
        .sort((a, b) => Date.parse(b.lastSeen) - Date.parse(a.lastSeen)).slice(0, 20);
      onSite.replaceChildren(...(now.length
        ? now.map((c) => h('li', {}, companyLink(c, site), ' ', h('span', { class: `badge ${c.temperature}` }, c.temperature), ' ', time(c.lastSeen)))
        : [h('li', { class: 'muted' }, 'Nobody from a known company right now.')]));
    } catch { /* the feed matters more; try again later */ }
  }
  function refreshSoon() {
    pending ??= setTimeout(() => { pending = null; refreshOnSite(); }, 500);
  }
  refreshOnSite();
  setInterval(refreshOnSite, 15_000);
}

function sitePicker(me, site) {
  const own = me.sites.filter((s) => s !== '*');
  if (own.length <= 1 && !me.sites.includes('*')) return h('span', { class: 'site-name' }, `Site: ${site}`);
  const go = (value) => { if (value && value !== site) location.assign(`/?site=${encodeURIComponent(value)}`); };
  if (me.sites.includes('*')) {
    const input = h('input', { id: 'site', value: site, size: 12, onchange: () => go(input.value.trim()) });
    return h('p', { class: 'field' }, h('label', { for: 'site' }, 'Site'), input);
  }
  const select = h('select', { id: 'site', onchange: () => go(select.value) }, own.map((s) => h('option', { value: s, selected: s === site }, s)));
  return h('p', { class: 'field' }, h('label', { for: 'site' }, 'Site'), select);
}

export function companyLink(company, site) {
  return h('a', { href: `/companies/${encodeURIComponent(company.id)}?site=${encodeURIComponent(site)}` }, company.name);
}

function handlingText(x) {
  if (!x) return 'Unclaimed';
  const parts = [x.claimedBy ? `Claimed by ${x.claimedBy}` : 'Unclaimed'];
  if (x.outcome === 'accepted') parts.push('accepted as SQL');
  if (x.outcome === 'rejected') parts.push(`rejected: ${x.reason || ''}`);
  if (x.snoozedUntil && Date.parse(x.snoozedUntil) > Date.now()) parts.push(`snoozed until ${new Date(x.snoozedUntil).toLocaleTimeString()}`);
  if (x.quality) parts.push(x.quality === 'good' ? 'marked a good lead' : 'marked junk');
  return parts.join(' · ');
}

function actions(alert, me, x, act) {
  const mine = (x?.claimedBy || '').toLowerCase() === me.user.toLowerCase();
  const free = !x?.claimedBy;
  const button = (label, action, extra) => h('button', { type: 'button', class: 'small', onclick: () => act(alert, action, extra) }, label);
  const reason = h('input', { id: `reason-${alert.seq}`, required: true, maxlength: 500 });
  return h('div', { class: 'actions', role: 'group', 'aria-label': `Handle the alert for ${alert.company.name}` },
    free ? button('Claim', 'claim') : null,
    mine ? button('Release', 'release') : null,
    free || mine ? [
      button('Snooze 1 h', 'snooze', { minutes: 60 }),
      x?.outcome === 'accepted' ? null : button('Accept as SQL', 'accept'),
      x?.outcome === 'rejected' ? null : h('details', { class: 'reject' }, h('summary', {}, 'Reject…'),
        h('form', { onsubmit: (e) => { e.preventDefault(); act(alert, 'reject', { reason: reason.value }); } },
          h('label', { for: reason.id }, 'Reason for rejecting'), reason, h('button', { type: 'submit', class: 'small' }, 'Reject'))),
    ] : null,
    x?.quality === 'good' ? null : button('Good lead', 'good'),
    x?.quality === 'junk' ? null : button('Junk', 'junk'));
}

function card(alert, site, me, x, act) {
  const c = alert.company;
  const location = [c.city, c.country].filter(Boolean).join(', ') || 'Location unknown';
  const mine = (alert.assignee || '').toLowerCase() === me.user.toLowerCase();
  const snoozed = x?.snoozedUntil && Date.parse(x.snoozedUntil) > Date.now();
  return h('li', { class: `alert-card ${alert.temperature}${mine ? ' mine' : ''}${snoozed ? ' snoozed' : ''}${x?.claimedBy ? ' claimed' : ''}`, dataset: { seq: alert.seq, id: alert.id, rule: alert.rule } },
    h('article', { 'aria-label': `${c.name}, ${alert.temperature}` },
      h('header', {},
        h('h3', { class: 'company' }, companyLink(c, site)),
        h('span', { class: `badge ${alert.temperature}`, 'data-field': 'temperature' }, alert.temperature),
        h('span', { class: 'score', 'data-field': 'score' }, `Score ${alert.score}`)),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Rule'), h('dd', { 'data-field': 'rule' }, alert.rule),
        h('dt', {}, 'Location'), h('dd', { 'data-field': 'location' }, location),
        h('dt', {}, 'Assignee'), h('dd', { 'data-field': 'assignee' }, alert.assignee || 'Unassigned', mine ? ' (you)' : ''),
        h('dt', {}, 'Stage'), h('dd', {}, alert.stage),
        c.status ? [h('dt', {}, 'CRM'), h('dd', {}, c.status, c.owner ? ` · ${c.owner}` : '')] : null,
        h('dt', {}, 'When'), h('dd', {}, time(alert.at))),
      h('p', { class: 'reasons', 'data-field': 'reasons' }, 'Why: ',
        alert.reasons.map((r, i) => [i ? ', ' : '', h('span', { class: 'reason' }, r.signal, r.points ? ` ${r.points > 0 ? '+' : ''}${r.points}` : '')])),
      alert.pages.length ? h('p', { class: 'pages', 'data-field': 'pages' }, 'Pages: ',
        alert.pages.map((p, i) => [i ? ', ' : '', h('code', {}, p)])) : null,
      h('p', { class: 'handling', 'data-field': 'handling', tabindex: -1 }, handlingText(x)),
      h('p', { class: 'card-error error', role: 'alert', hidden: true }),
      act ? actions(alert, me, x, act) : null));
}

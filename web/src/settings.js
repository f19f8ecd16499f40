// Site settings (name, allowed origins), the snippet to paste, and the accounts import (CSV upload with
// progress and per-row errors).
import { api, sitePath, ApiError, CSRF_HEADER } from './api.js';
import { h, clear } from './dom.js';

export async function settingsPage(main, me, site) {
  document.title = `Site settings · ${site} · VisitorGrains`;
  const settings = await api(sitePath(site));
  const name = h('input', { id: 'site-name', value: settings.name, required: true });
  const sla = h('input', { id: 'site-sla', type: 'number', min: 1, max: 10080, value: settings.slaMinutes, required: true, 'aria-describedby': 'sla-help' });
  const origins = h('textarea', { id: 'site-origins', rows: 4, 'aria-describedby': 'origins-help settings-errors' });
  origins.value = settings.origins.join('\n');
  const settingsErrors = h('div', { id: 'settings-errors', class: 'errors' });
  const settingsSaved = h('p', { role: 'status', class: 'ok' });
  const snippet = `<script async src="${location.origin}/vg.js" data-site="${site}"></script>`;
  const snippetBox = h('textarea', { id: 'snippet', class: 'code', rows: 2, readonly: true });
  snippetBox.value = snippet;

  const file = h('input', { id: 'accounts-file', type: 'file', accept: '.csv,text/csv' });
  const progress = h('progress', { id: 'import-progress', max: 100, value: 0, hidden: true, 'aria-label': 'Upload progress' });
  const importResult = h('div', { id: 'import-result', 'aria-live': 'polite' });
  const accountsList = h('div', { id: 'accounts-list' });
  async function showAccounts() {
    const accounts = await api(sitePath(site, '/accounts'));
    accountsList.replaceChildren(accounts.length === 0 ? h('p', { class: 'muted' }, 'No accounts yet.') : h('table', { id: 'accounts-table' },
      h('caption', {}, `${accounts.length} accounts`),
      h('thead', {}, h('tr', {}, ['Name', 'Domain', 'Status', 'Owner', 'Country', 'IP ranges'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, accounts.map((a) => h('tr', {},
        h('td', {}, a.name), h('td', {}, a.domain || ''), h('td', {}, String(a.status || '')), h('td', {}, a.owner || ''),
        h('td', {}, a.country || ''), h('td', {}, (a.ipRanges || []).join('; ')))))));
  }

  async function saveSettings(event) {
    event.preventDefault();
    settingsErrors.replaceChildren();
    settingsSaved.textContent = '';
    try {
      await api(sitePath(site), { method: 'PUT', body: { name: name.value, origins: origins.value.split('\n').map((o) => o.trim()).filter(Boolean), slaMinutes: Number(sla.value) } });
      settingsSaved.textContent = 'Saved.';
    } catch (e) {
      const errors = e instanceof ApiError ? e.problem?.errors : null;
      settingsErrors.replaceChildren(h('ul', { class: 'error', role: 'alert' },
        Object.entries(errors || { '': [e.message] }).map(([path, messages]) => h('li', {}, h('code', {}, path), ': ', messages.join(' ')))));
    }
  }

  function upload(event) {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return;
    const request = new XMLHttpRequest();
    request.open('POST', sitePath(site, '/accounts'));
    request.setRequestHeader('Content-Type', 'text/csv');
    request.setRequestHeader(CSRF_HEADER, '1');
    progress.hidden = false;
    progress.value = 0;
    request.upload.onprogress = (e) => { if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100); };
    request.onload = () => {
      progress.value = 100;
      let body = null;
      try { body = JSON.parse(request.responseText); } catch { /* not JSON */ }
      if (!body || (request.status >= 400 && !Array.isArray(body.errors))) {
        importResult.replaceChildren(h('p', { class: 'error', role: 'alert' }, body?.detail || body?.title || `The import failed (${request.status}).`));
        return;
      }
      showAccounts().catch(() => {});
      importResult.replaceChildren(
        h('p', { role: 'status' }, `Imported ${body.imported} of ${body.imported + new Set(body.errors.map((e) => e.row)).size} rows; the site has ${body.total} accounts.`),
        body.errors.length ? h('table', { class: 'import-errors' },
          h('caption', {}, 'Rows that were not imported'),
          h('thead', {}, h('tr', {}, ['Row', 'Field', 'Problem'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, body.errors.map((e) => h('tr', {}, h('td', { class: 'num' }, String(e.row)), h('td', {}, e.field || ''), h('td', {}, e.message))))) : null);
    };
    request.onerror = () => importResult.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'Could not reach the server.'));
    request.send(chosen);
  }

  clear(main).append(
    h('h1', {}, `Site settings: ${site}`),
    h('section', { 'aria-labelledby': 'settings-heading' },
      h('h2', { id: 'settings-heading' }, 'Settings'),
      h('form', { onsubmit: saveSettings },
        h('p', { class: 'field' }, h('label', { for: 'site-name' }, 'Name'), name),
        h('p', { class: 'field' }, h('label', { for: 'site-origins' }, 'Allowed origins, one a line'), origins),
        h('p', { id: 'origins-help', class: 'muted' }, 'e.g. https://example.com, https://*.example.com, http://localhost:*'),
        h('p', { class: 'field' }, h('label', { for: 'site-sla' }, 'SLA: minutes within which sales claims an alert'), sla),
        h('p', { id: 'sla-help', class: 'muted' }, 'The live feed counts unclaimed alerts older than this.'),
        settingsErrors, h('p', {}, h('button', { type: 'submit' }, 'Save settings')), settingsSaved)),
    h('section', { 'aria-labelledby': 'snippet-heading' },
      h('h2', { id: 'snippet-heading' }, 'The snippet'),
      h('p', {}, h('label', { for: 'snippet' }, 'Paste this into every page of the site, before </head>')),
      snippetBox,
      h('p', {}, h('button', { type: 'button', onclick: () => { snippetBox.select(); navigator.clipboard?.writeText(snippet); } }, 'Copy the snippet'))),
    h('section', { 'aria-labelledby': 'accounts-heading' },
      h('h2', { id: 'accounts-heading' }, 'Import accounts'),
      h('p', { class: 'muted' }, `${settings.accounts} accounts. CSV with the header name,domain,status,owner,products,industry,employees,revenue,country,ip_ranges (lists separated by ;).`),
      h('form', { onsubmit: upload },
        h('p', { class: 'field' }, h('label', { for: 'accounts-file' }, 'CSV file'), file),
        h('p', {}, h('button', { type: 'submit' }, 'Upload')), progress, importResult)),
    h('section', { 'aria-labelledby': 'accounts-list-heading' },
      h('h2', { id: 'accounts-list-heading' }, 'Accounts'), accountsList));
  await showAccounts();
}

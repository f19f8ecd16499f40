// The rules editor: the site's rules document, validated whole by the server. Each error is listed next
// to the editor under its JSON path, with its line, and selecting it puts the cursor on the field at fault.
// Nothing changes when a save is refused. Version history with restore.
import { api, sitePath, ApiError } from './api.js';
import { h, clear, dateTime, announce } from './dom.js';
import { locatePaths, spanOf, lineOf } from './jsonpaths.js';

export async function rulesPage(main, me, site) {
  document.title = `Rules · ${site} · VisitorGrains`;
  if (!me.canConfigure) {
    clear(main).append(h('h1', {}, 'Rules'), h('p', { role: 'alert' }, 'Only marketers change rules.'));
    return;
  }
  const editor = h('textarea', { id: 'rules-json', class: 'code', rows: 28, spellcheck: 'false', 'aria-describedby': 'rules-help rules-errors' });
  const version = h('span', { id: 'rules-version' });
  const errors = h('div', { id: 'rules-errors', class: 'errors', 'aria-live': 'assertive' });
  const saved = h('p', { id: 'rules-saved', role: 'status', class: 'ok' });
  const versions = h('tbody', { id: 'rules-versions' });

  async function load() {
    const response = await api(sitePath(site, '/rules'), { raw: true });
    const text = await response.text();
    editor.value = JSON.stringify(JSON.parse(text), null, 2);
    version.textContent = `version ${response.headers.get('VG-Rules-Version')}`;
    editor.removeAttribute('aria-invalid');
    await loadVersions();
  }

  async function loadVersions() {
    const list = await api(sitePath(site, '/rules/versions'));
    versions.replaceChildren(...list.map((v, index) => h('tr', {},
      h('td', { class: 'num' }, String(v.version)), h('td', {}, dateTime(v.at)), h('td', {}, v.author || '—'),
      h('td', {}, index === 0 ? 'current' : h('button', { type: 'button', class: 'small', onclick: () => restore(v.version) }, `Restore version ${v.version}`)))));
  }

  async function restore(n) {
    await api(sitePath(site, `/rules/versions/${n}/restore`), { method: 'POST' });
    saved.textContent = `Version ${n} restored as the newest version.`;
    await load();
  }

  function showErrors(problem) {
    const text = editor.value;
    const spans = locatePaths(text);
    const entries = Object.entries(problem?.errors || { '': [problem?.detail || 'The rules were not saved.'] });
    editor.setAttribute('aria-invalid', 'true');
    errors.replaceChildren(
      h('p', { class: 'error', role: 'alert' }, problem?.title || 'The rules document has errors; nothing was changed.'),
      h('ul', {}, entries.map(([path, messages]) => {
        const span = spanOf(spans, path);
        const where = span ? ` (line ${lineOf(text, span[0])})` : '';
        return h('li', { class: 'field-error', dataset: { path } },
          h('button', { type: 'button', class: 'link', onclick: () => {
            editor.focus();
            if (span) editor.setSelectionRange(span[0], span[1]);
          } }, h('code', {}, path || 'document'), where), ': ', messages.join(' '));
      })));
  }

  async function save(event) {
    event.preventDefault();
    saved.textContent = '';
    errors.replaceChildren();
    try {
      JSON.parse(editor.value);
    } catch (e) {
      showErrors({ title: 'This is not valid JSON; nothing was changed.', errors: { '': [e.message] } });
      return;
    }
    try {
      await api(sitePath(site, '/rules'), { method: 'PUT', body: editor.value });
      await load();
      saved.textContent = `Saved as ${version.textContent}. It applies to the next event.`;
      announce(saved.textContent);
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) showErrors(e.problem);
      else showErrors({ title: e.message });
    }
  }

  const samplePages = h('textarea', { id: 'preview-pages', rows: 5, class: 'code' });
  samplePages.value = '/pricing\n/customers/volvo\n/contact';
  const previewResult = h('div', { id: 'preview-result', 'aria-live': 'polite' });

  async function preview(event) {
    event.preventDefault();
    previewResult.replaceChildren();
    let draft;
    try {
      draft = JSON.parse(editor.value);
    } catch (e) {
      showErrors({ title: 'This is not valid JSON.', errors: { '': [e.message] } });
      return;
    }
    const pages = samplePages.value.split('\n').map((p) => p.trim()).filter(Boolean);
    try {
      const result = await api(sitePath(site, '/rules/preview'), { method: 'POST', body: { rules: draft, pages } });
      previewResult.replaceChildren(
        h('p', { id: 'preview-score', class: 'score big' }, `Score ${result.score} · ${result.temperature} · ${result.stage}`),
        h('table', {}, h('caption', {}, 'Score after each page'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Page'), h('th', { scope: 'col', class: 'num' }, 'Score'))),
          h('tbody', {}, result.steps.map((s) => h('tr', {}, h('td', {}, h('code', {}, s.path)), h('td', { class: 'num' }, String(s.score)))))),
        h('p', {}, 'Why: ', result.reasons.map((r) => `${r.signal} ${r.points > 0 ? '+' : ''}${r.points}`).join(', ') || 'no points'));
    } catch (e) {
      const errors = e instanceof ApiError ? e.problem?.errors ?? {} : {};
      const ruleErrors = Object.fromEntries(Object.entries(errors).filter(([k]) => k.startsWith('rules')).map(([k, v]) => [k.replace(/^rules\.?/, ''), v]));
      if (Object.keys(ruleErrors).length) showErrors({ title: 'The draft has errors.', errors: ruleErrors });
      const other = Object.entries(errors).filter(([k]) => !k.startsWith('rules'));
      previewResult.replaceChildren(h('p', { class: 'error', role: 'alert' }, other.length ? other.map(([k, v]) => `${k}: ${v.join(' ')}`).join('; ') : e.message));
    }
  }

  clear(main).append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Rules'), h('span', { class: 'muted' }, `Site ${site}, `, version)),
    h('form', { id: 'rules-form', onsubmit: save },
      h('p', {}, h('label', { for: 'rules-json' }, 'Rules document (JSON)')),
      h('p', { id: 'rules-help', class: 'muted' }, 'Validated as a whole when saved: each error is listed below with the field it is about.'),
      h('div', { class: 'editor' }, editor, errors),
      h('p', {}, h('button', { type: 'submit' }, 'Save rules'), ' ', h('button', { type: 'button', onclick: load }, 'Discard changes')),
      saved),
    h('section', { 'aria-labelledby': 'preview-heading' },
      h('h2', { id: 'preview-heading' }, 'Preview: score a sample journey'),
      h('form', { id: 'preview-form', onsubmit: preview },
        h('p', { class: 'field' }, h('label', { for: 'preview-pages' }, 'Pages of the sample journey, one a line'), samplePages),
        h('p', {}, h('button', { type: 'submit' }, 'Score with the draft'))),
      previewResult),
    h('section', { 'aria-labelledby': 'versions-heading' },
      h('h2', { id: 'versions-heading' }, 'Version history'),
      h('table', {}, h('thead', {}, h('tr', {}, ['Version', 'Saved', 'By', ''].map((t) => h('th', { scope: 'col' }, t)))), versions)));
  await load();
}

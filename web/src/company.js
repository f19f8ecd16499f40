// A company: firmographics, CRM status and owner, score with its breakdown and a score-over-time chart,
// and every visitor's journey as a timeline.
import { api, sitePath } from './api.js';
import { h, clear, time } from './dom.js';
import { lineChart } from './chart.js';

export async function companyPage(main, me, site, id) {
  const company = await api(sitePath(site, `/companies/${encodeURIComponent(id)}`));
  document.title = `${company.name} · VisitorGrains`;
  const [alerts, rules] = await Promise.all([
    api(sitePath(site, '/alerts?after=0&limit=1000')).catch(() => []),
    api(sitePath(site, '/rules')).then((t) => (typeof t === 'string' ? JSON.parse(t) : t)).catch(() => ({})),
  ]);

  const fact = (label, value) => (value === undefined || value === null || value === '' ? null : [h('dt', {}, label), h('dd', {}, String(value))]);
  const breakdownMax = Math.max(1, ...company.breakdown.map((r) => Math.abs(r.points)));
  // Score over time: the score each alert of this company recorded, then the score now.
  const points = alerts.filter((a) => a.company.id === company.id)
    .map((a) => ({ at: new Date(a.at), value: a.score, note: a.rule }));
  points.push({ at: new Date(), value: company.score, note: 'now' });
  const thresholds = [];
  if (rules?.thresholds?.warm) thresholds.push({ name: 'warm', value: rules.thresholds.warm });
  if (rules?.thresholds?.hot) thresholds.push({ name: 'hot', value: rules.thresholds.hot });

  clear(main).append(
    h('p', {}, h('a', { href: `/?site=${encodeURIComponent(site)}` }, '← Live feed')),
    h('div', { class: 'page-head' },
      h('h1', { id: 'company-name' }, company.name),
      h('span', { class: `badge ${company.temperature}` }, company.temperature),
      h('span', { class: 'score big', id: 'company-score' }, `Score ${company.score}`)),
    h('div', { class: 'columns' },
      h('section', { 'aria-labelledby': 'firmo-heading' },
        h('h2', { id: 'firmo-heading' }, 'Company'),
        h('dl', { class: 'facts wide' },
          fact('Domain', company.domain), fact('Industry', company.industry), fact('Employees', company.employees),
          fact('Location', [company.city, company.country].filter(Boolean).join(', ')),
          fact('CRM status', company.status || 'none'), fact('Owner', company.owner || 'nobody'),
          fact('Products', (company.products || []).join(', ')),
          fact('Fit with the ICP', `${company.fit} / 100`), fact('Active visitors', company.activeVisitors),
          fact('First seen', new Date(company.firstSeen).toLocaleString()), fact('Last seen', new Date(company.lastSeen).toLocaleString()))),
      h('section', { 'aria-labelledby': 'score-heading' },
        h('h2', { id: 'score-heading' }, 'Score'),
        h('table', { class: 'breakdown' },
          h('caption', {}, 'Points by signal'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Signal'), h('th', { scope: 'col' }, 'Points'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Share')))),
          h('tbody', {}, company.breakdown.map((r) => h('tr', {},
            h('th', { scope: 'row' }, r.signal), h('td', { class: 'num' }, String(r.points)),
            h('td', { class: 'share' }, h('span', { class: `bar w${Math.round((Math.abs(r.points) / breakdownMax) * 10)}${r.points < 0 ? ' negative' : ''}` })))))),
        h('h3', {}, 'Score over time'),
        lineChart(points, { label: `Score of ${company.name} over time`, thresholds }))),
    h('section', { 'aria-labelledby': 'visitors-heading' },
      h('h2', { id: 'visitors-heading' }, `Visitors (${company.visitors.length})`),
      company.visitors.map((v) => visitorJourney(v))));
}

function visitorJourney(v) {
  const where = v.location ? [v.location.city, v.location.country].filter(Boolean).join(', ') : '';
  return h('article', { class: 'visitor', dataset: { visitor: v.visitor } },
    h('h3', {}, h('code', {}, v.visitor), ' ', h('span', { class: 'muted' }, `${v.stage} · score ${v.score}${where ? ` · ${where}` : ''}${v.email ? ` · ${v.email}` : ''}`)),
    h('ol', { class: 'timeline', 'aria-label': `Journey of ${v.visitor}` },
      [...v.journey].reverse().map((step) => h('li', { class: `step ${step.type}` },
        time(step.at), ' ',
        h('span', { class: 'kind' }, step.type), ' ',
        step.path ? h('code', { class: 'path' }, step.path) : null, ' ',
        step.title ? h('span', { class: 'title' }, step.title) : null,
        step.name ? h('span', { class: 'event-name' }, step.name) : null))));
}

// Reports for marketers: the lifecycle funnel of identified visitors, leads and MQLs per week by source,
// alerts per week by rule, how sales judged them, and the top companies. Drawn as SVG/HTML bars here, from the API's own lists.
import { api, sitePath } from './api.js';
import { h, clear } from './dom.js';
import { barChart } from './chart.js';

const STAGES = ['prospect', 'lead', 'MQL', 'SQL', 'opportunity', 'customer'];

export async function reportsPage(main, me, site) {
  document.title = `Reports · ${site} · VisitorGrains`;
  const [companies, alerts, handling] = await Promise.all([
    api(sitePath(site, '/companies')),
    api(sitePath(site, '/alerts?after=0&limit=1000')),
    api(sitePath(site, '/alerts/handling?after=0')).catch(() => []),
  ]);

  // The funnel: how many identified visitors reached each stage (or went further).
  const rank = (stage) => STAGES.findIndex((s) => s.toLowerCase() === String(stage).toLowerCase());
  const visitors = companies.flatMap((c) => c.visitors);
  const funnel = STAGES.map((stage, i) => ({ label: stage, value: visitors.filter((v) => rank(v.stage) >= i).length }));

  // Alerts per ISO week (Monday), by rule.
  const weekOf = (iso) => {
    const d = new Date(iso);
    const monday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7)));
    return monday.toISOString().slice(0, 10);
  };
  const weeks = [...new Set(alerts.map((a) => weekOf(a.at)))].sort();
  const rules = [...new Set(alerts.map((a) => a.rule))].sort();
  const count = (f) => handling.filter(f).length;

  // Leads and MQLs per week by first-touch source (utm_source, else the referring site, else direct).
  const sourceRows = [];
  for (const [kind, field] of [['leads', 'leadAt'], ['MQLs', 'mqlAt']]) {
    const reached = visitors.filter((v) => v[field]);
    const keys = [...new Set(reached.map((v) => `${weekOf(v[field])}\u0000${v.source || 'direct'}`))].sort();
    for (const key of keys) {
      const [week, source] = key.split('\u0000');
      sourceRows.push({ kind, week, source, value: reached.filter((v) => weekOf(v[field]) === week && (v.source || 'direct') === source).length });
    }
  }

  clear(main).append(
    h('h1', {}, `Reports: ${site}`),
    h('div', { class: 'columns even' },
      h('section', { 'aria-labelledby': 'funnel-heading' },
        h('h2', { id: 'funnel-heading' }, 'Lifecycle funnel (identified visitors)'),
        barChart(funnel, { label: 'Visitors who reached each stage', id: 'funnel' })),
      h('section', { 'aria-labelledby': 'outcomes-heading' },
        h('h2', { id: 'outcomes-heading' }, 'What sales made of the alerts'),
        barChart([
          { label: 'alerts', value: alerts.length },
          { label: 'claimed', value: count((x) => x.claimedBy) },
          { label: 'accepted as SQL', value: count((x) => x.outcome === 'accepted') },
          { label: 'rejected', value: count((x) => x.outcome === 'rejected') },
          { label: 'good leads', value: count((x) => x.quality === 'good') },
          { label: 'junk', value: count((x) => x.quality === 'junk') },
        ], { label: 'Alerts and their handling', id: 'outcomes' }))),
    h('section', { 'aria-labelledby': 'weeks-heading' },
      h('h2', { id: 'weeks-heading' }, 'Alerts per week, by rule'),
      weeks.length === 0 ? h('p', { class: 'muted' }, 'No alerts yet.') : h('table', { id: 'alerts-by-week' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Week of'), rules.map((r) => h('th', { scope: 'col', class: 'num' }, r)), h('th', { scope: 'col', class: 'num' }, 'total'))),
        h('tbody', {}, weeks.map((w) => {
          const inWeek = alerts.filter((a) => weekOf(a.at) === w);
          return h('tr', {}, h('th', { scope: 'row' }, w),
            rules.map((r) => h('td', { class: 'num' }, String(inWeek.filter((a) => a.rule === r).length))),
            h('td', { class: 'num' }, String(inWeek.length)));
        })))),
    h('section', { 'aria-labelledby': 'sources-heading' },
      h('h2', { id: 'sources-heading' }, 'Leads and MQLs by source, per week'),
      sourceRows.length === 0 ? h('p', { class: 'muted' }, 'No leads yet.')
        : barChart(sourceRows.map((r) => ({ label: `${r.week} · ${r.kind} · ${r.source}`, value: r.value })),
          { label: 'Leads and MQLs per week by first-touch source', id: 'leads-by-source' })),
    h('section', { 'aria-labelledby': 'top-heading' },
      h('h2', { id: 'top-heading' }, 'Top companies'),
      barChart(companies.slice(0, 10).map((c) => ({ label: c.name, value: c.score, href: `/companies/${encodeURIComponent(c.id)}?site=${encodeURIComponent(site)}` })),
        { label: 'Companies by score', id: 'top-companies' })));
}

// A small SVG line chart (drawn here: no chart library). Points are {at: Date, value: number}.
const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attributes, text) {
  const element = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, String(v));
  if (text !== undefined) element.textContent = text;
  return element;
}

export function lineChart(points, { label, width = 560, height = 180, thresholds = [] } = {}) {
  const pad = { left: 36, right: 12, top: 12, bottom: 24 };
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, class: 'chart' });
  root.append(svg('title', {}, label));
  if (points.length === 0) return root;
  const times = points.map((p) => p.at.getTime());
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 60_000);
  const top = Math.max(10, ...points.map((p) => p.value), ...thresholds.map((t) => t.value)) * 1.1;
  const x = (t) => pad.left + ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
  const y = (v) => height - pad.bottom - (Math.max(0, v) / top) * (height - pad.top - pad.bottom);

  root.append(svg('line', { x1: pad.left, y1: y(0), x2: width - pad.right, y2: y(0), class: 'axis' }));
  root.append(svg('line', { x1: pad.left, y1: pad.top, x2: pad.left, y2: y(0), class: 'axis' }));
  root.append(svg('text', { x: pad.left - 4, y: y(0), class: 'tick', 'text-anchor': 'end' }, '0'));
  root.append(svg('text', { x: pad.left - 4, y: pad.top + 8, class: 'tick', 'text-anchor': 'end' }, String(Math.round(top))));
  for (const t of thresholds) {
    root.append(svg('line', { x1: pad.left, y1: y(t.value), x2: width - pad.right, y2: y(t.value), class: `threshold ${t.name}` }));
    root.append(svg('text', { x: width - pad.right, y: y(t.value) - 3, class: 'tick', 'text-anchor': 'end' }, `${t.name} ${t.value}`));
  }
  root.append(svg('text', { x: pad.left, y: height - 6, class: 'tick' }, new Date(t0).toLocaleString()));
  root.append(svg('text', { x: width - pad.right, y: height - 6, class: 'tick', 'text-anchor': 'end' }, new Date(t1).toLocaleString()));
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${x(p.at.getTime()).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  root.append(svg('path', { d: path, class: 'line' }));
  for (const p of points) {
    const dot = svg('circle', { cx: x(p.at.getTime()), cy: y(p.value), r: 3.5, class: 'dot' });
    dot.append(svg('title', {}, `${p.at.toLocaleString()}: ${p.value}${p.note ? ` (${p.note})` : ''}`));
    root.append(dot);
  }
  return root;
}

/** Horizontal bars as an HTML list (readable by screen readers as label: value). */
export function barChart(rows, { label, id } = {}) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const list = document.createElement('ul');
  list.className = 'bars';
  if (id) list.id = id;
  list.setAttribute('aria-label', label);
  for (const row of rows) {
    const item = document.createElement('li');
    const name = document.createElement(row.href ? 'a' : 'span');
    name.className = 'bar-label';
    name.textContent = row.label;
    if (row.href) name.setAttribute('href', row.href);
    const track = document.createElement('span');
    track.className = 'bar-track';
    const bar = document.createElement('span');
    bar.className = `bar w${Math.round((Math.max(0, row.value) / max) * 10)}`;
    track.append(bar);
    const value = document.createElement('span');
    value.className = 'bar-value num';
    value.textContent = String(row.value);
    item.append(name, track, value);
    list.append(item);
  }
  return list;
}

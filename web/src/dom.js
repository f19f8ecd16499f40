// Builds elements. Text is always a text node (never parsed as HTML): what visitors send (titles, paths)
// and what accounts say can never become markup.

/** h('a', { href, class: 'x', onclick }, 'text', child, [more]) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else if (child instanceof Node) element.append(child);
    else element.append(document.createTextNode(String(child)));
  }
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

export function time(iso) {
  const date = new Date(iso);
  return h('time', { datetime: date.toISOString(), title: date.toLocaleString() }, date.toLocaleTimeString());
}

export function dateTime(iso) {
  const date = new Date(iso);
  return h('time', { datetime: date.toISOString() }, date.toLocaleString());
}

/** A message for screen readers and sighted users alike. */
export function announce(message) {
  const region = document.getElementById('announcer');
  if (region) region.textContent = message;
}

// Where each value of a JSON text starts and ends, by the server's path notation (pages[0].match,
// thresholds, icp.countries[0]), so that an error can be shown at the field it is about.
export function locatePaths(text) {
  const spans = new Map();
  let i = 0;
  const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const string = () => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const value = (path) => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++; ws();
      while (i < text.length && text[i] !== '}') {
        ws();
        const key = string();
        const keyStart = i;
        ws(); i++; // ':'
        value(path ? `${path}.${key}` : key);
        if (!spans.has(`${path ? `${path}.` : ''}${key}`)) spans.set(`${path ? `${path}.` : ''}${key}`, [keyStart, i]);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '[') {
      i++; ws();
      let n = 0;
      while (i < text.length && text[i] !== ']') {
        value(`${path}[${n++}]`);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '"') {
      string();
    } else {
      while (i < text.length && !/[\s,\]}]/.test(text[i])) i++;
    }
    spans.set(path, [start, i]);
  };
  try { value(''); } catch { /* invalid JSON: the server's message says where */ }
  return spans;
}

/** The span of a path, or of its nearest ancestor that is in the text. */
export function spanOf(spans, path) {
  let p = path.replace(/^\$\.?/, '');
  while (p) {
    if (spans.has(p)) return spans.get(p);
    p = p.replace(/(\[\d+\]|\.[^.[\]]+|^[^.[\]]+)$/, '');
  }
  return null;
}

export function lineOf(text, offset) {
  return text.slice(0, offset).split('\n').length;
}

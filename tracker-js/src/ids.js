// Identity: a first-party visitor id and a session that ends after 30 idle minutes.
// Pure helpers take their storage and clock as arguments so that tests can run them in Node.

export const SESSION_IDLE_MS = 30 * 60 * 1000;
const VISITOR_KEY = 'vg_vid';
const SESSION_KEY = 'vg_sid';

export function randomId(prefix, length = 16) {
  let id = prefix;
  for (const b of crypto.getRandomValues(new Uint8Array(length))) id += (b % 36).toString(36);
  return id;
}

/** The visitor id from storage or the cookie copy, else a new one; written back to both. */
export function visitorId(store, cookies) {
  let id = store._get(VISITOR_KEY) || cookies._get(VISITOR_KEY);
  if (!/^[\w-]{8,64}$/.test(id || '')) id = randomId('v_');
  store._set(VISITOR_KEY, id);
  cookies._set(VISITOR_KEY, id, 400 * 86400); // browsers cap cookies at 400 days
  return id;
}

/** The current session id ("id.lastActivity"), renewed after 30 idle minutes; reading it marks activity. */
export function sessionId(store, now) {
  const [id, at] = (store._get(SESSION_KEY) || '').split('.');
  const current = id && now - at <= SESSION_IDLE_MS ? id : randomId('s_');
  store._set(SESSION_KEY, current + '.' + now);
  return current;
}

export function forget(store, cookies) {
  store._set(VISITOR_KEY, '');
  store._set(SESSION_KEY, '');
  store._set('vg_q', ''); // kept identify and form events go too: they name the person
  cookies._set(VISITOR_KEY, '', -1);
}

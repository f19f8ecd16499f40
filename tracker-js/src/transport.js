// Delivery: fetch with keepalive and a text/plain body (no CORS preflight); sendBeacon when the page
// is going away; retries with backoff; identify and form events kept in storage until delivered.

const DURABLE_KEY = 'vg_q';

export function createTransport(endpoint, envelope, store, w) {
  let pending = [];
  try { pending = JSON.parse(store._get(DURABLE_KEY)) || []; } catch { /* nothing kept */ }
  const save = () => store._set(DURABLE_KEY, JSON.stringify(pending.slice(-50)));
  const body = (events) => JSON.stringify({ ...envelope(), events });

  function post(events, attempt) {
    const retry = () => attempt < 5 && w.setTimeout(() => post(events, attempt + 1), 1000 << attempt);
    // A string body goes as text/plain: no CORS preflight.
    w.fetch(endpoint, { method: 'POST', body: body(events), keepalive: true })
      .then((r) => {
        if (r.status > 428) return retry(); // 429 and 5xx are worth another try; other answers are final
        const sent = events.map((e) => e.id);
        const kept = pending.length;
        pending = pending.filter((e) => !sent.includes(e.id));
        if (pending.length < kept) save(); // nothing is written unless something was kept
      }, retry);
  }

  return {
    /** Sends now, or by beacon when the page is going away; identify and form events are kept until delivered (when storing is allowed). */
    _send(events, leaving, keep) {
      for (const e of events) if (keep && (e.type === 'identify' || e.name === 'form_submitted')) pending.push(e), save();
      // Batches stay small (one page's events, at most 50 kept ones): far below the 64 KiB keepalive quota.
      if (!(leaving && w.navigator.sendBeacon?.(endpoint, body(events)))) post(events, 0);
    },
    /** Sends again what an earlier page left undelivered (event ids make repeats harmless). */
    _resend() {
      if (pending.length) post(pending.slice(), 0);
    },
  };
}

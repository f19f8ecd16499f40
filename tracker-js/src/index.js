// vg.js: <script async src="https://HOST/vg.js" data-site="SITE"></script>
// Optional attributes: data-api (collect endpoint), data-hash (hash routing), data-consent="required" or "cookieless",
// data-respect-dnt, data-heartbeat (seconds), data-allow-local, data-allow-automation.
import { visitorId, sessionId, randomId, forget } from './ids.js';
import { localStore, cookieJar } from './storage.js';
import { isBlocked } from './privacy.js';
import { campaign, pageUrl } from './page.js';
import { createTransport } from './transport.js';
import { createEngagement } from './engagement.js';

((w, d) => {
  if (w.__vg) return; // loaded twice: the first copy does the work
  w.__vg = 1;

  const script = d.currentScript; // set while a classic script (async too) first runs
  const attr = (name) => script.getAttribute('data-' + name);
  const flag = (name) => script.hasAttribute('data-' + name); // present means on
  const site = attr('site');
  const endpoint = attr('api') || new URL('/collect', script.src); // fetch and sendBeacon take a URL object
  const store = localStore(w);
  const cookies = cookieJar(d);

  // Consent modes: until the visitor consents nothing is stored, and events are sent either not at all
  // ("required") or with an id that lives as long as the page ("cookieless").
  const mode = attr('consent');
  let consented = !mode || store._get('vg_consent') == 1;
  let visitor;
  let lastUrl;
  let firstTouch = campaign(w.location.href);

  const blocked = () => (!consented && mode != 'cookieless') || isBlocked(w, store._get('vg_optout') == 1, flag);
  const transport = createTransport(endpoint, () => ({ site, visitor, session: consented ? sessionId(store, Date.now()) : visitor }), store, w);
  const takeEngagement = createEngagement(w, d);

  const event = (type, fields) => ({ id: randomId('e_'), type, ts: Date.now(), ...fields });

  function send(events, leaving) {
    if (blocked()) return;
    visitor = visitor || (consented ? visitorId(store, cookies) : randomId('v_'));
    transport._send(events, leaving, consented);
  }

  function flushEngagement(leaving) {
    const taken = takeEngagement();
    if (lastUrl && taken.engagedMs >= 1000) send([event('engagement', { url: lastUrl, ...taken })], leaving);
  }

  function page(force) {
    if (d.prerendering) return; // counted when shown (prerenderingchange)
    const url = pageUrl(w.location.href, flag('hash'));
    if (url === lastUrl && !force) return;
    flushEngagement();
    send([event('pageview', {
      url,
      referrer: lastUrl || d.referrer,
      title: d.title,
      screen: screen.width + 'x' + screen.height,
      language: navigator.language,
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      campaign: firstTouch,
    })]);
    lastUrl = url;
    firstTouch = undefined;
  }

  const api = {
    page: () => page(1),
    track: (name, props) => send([event('event', { name: (name + '').slice(0, 100), url: lastUrl, props })]),
    identify: (email, traits) => consented && send([event('identify', { email: email + '', traits })]),
    consent(granted) {
      consented = granted;
      visitor = 0;
      if (granted) store._set('vg_consent', 1), page(1);
      else store._set('vg_consent', ''), api.optout(1);
    },
    /** Withdraws: forgets the ids; persistent unless it only follows a withdrawn consent. */
    optout(keepAsking) {
      if (!keepAsking) store._set('vg_optout', 1);
      forget(store, cookies);
      visitor = 0;
    },
  };

  const call = ([name, ...args]) => api[name] && api[name](...args);

  // Calls made before the script loaded, through the inline stub:
  // window.vg=window.vg||function(){(vg.q=vg.q||[]).push(arguments)}
  const early = w.vg?.q || [];
  w.vg = (...args) => call(args);

  for (const method of ['pushState', 'replaceState']) {
    const original = history[method];
    history[method] = (...args) => {
      original.apply(history, args);
      page();
    };
  }
  w.addEventListener('popstate', () => page()); // also on hash changes
  w.addEventListener('pageshow', (e) => e.persisted && page(1));
  d.addEventListener('prerenderingchange', () => page());
  d.addEventListener('visibilitychange', () => flushEngagement(d.hidden));
  w.addEventListener('pagehide', () => flushEngagement(1));
  // "On the site now": engaged time sent every few seconds while the page is visible.
  if (attr('heartbeat') > 0) setInterval(() => d.hidden || flushEngagement(), attr('heartbeat') * 1e3);

  page();
  for (const args of early) call([...args]);
  if (consented && !blocked()) transport._resend(); // kept events only ever go with consent
})(window, document);

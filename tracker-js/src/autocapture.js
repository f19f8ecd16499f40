// vg.auto.js: autocapture, opt-in by attribute, beside vg.js:
// <script async src="https://HOST/vg.auto.js" data-forms data-outbound data-downloads data-contact></script>
// Elements with data-vg-event="name" (and data-vg-prop-*="value") are always tracked when clicked.
// Form submissions send the form and its field names, never values; with data-form-email the email
// field's value becomes an identify, which vg.js sends only with the visitor's consent.

((w, d) => {
  if (w.__vgAuto) return;
  w.__vgAuto = 1;
  const script = d.currentScript;
  const on = (name) => script.hasAttribute('data-' + name);
  // Works before vg.js has loaded: the calls wait in the same queue as the inline stub's.
  const vg = (...args) => {
    w.vg = w.vg || function () { (w.vg.q = w.vg.q || []).push(arguments); };
    w.vg(...args);
  };
  const DOWNLOAD = /\.(pdf|zip|docx?|xlsx?|pptx?|csv|dmg|exe|msi|pkg|gz|7z|rar|epub|mp3|mp4)$/i;

  d.addEventListener('click', (e) => {
    const el = e.target.closest && e.target.closest('a[href],[data-vg-event]');
    if (!el) return;
    const name = el.getAttribute('data-vg-event');
    if (name) {
      const props = {};
      for (const key in el.dataset) if (key.startsWith('vgProp')) props[key.slice(6).toLowerCase()] = el.dataset[key].slice(0, 200);
      vg('track', name, props);
      return;
    }
    const url = new URL(el.href, w.location.href);
    if (/^(mailto|tel):$/.test(url.protocol)) {
      if (on('contact')) vg('track', 'contact_click', { kind: url.protocol.slice(0, -1) });
    } else if (el.hasAttribute('download') || DOWNLOAD.test(url.pathname)) {
      if (on('downloads')) vg('track', 'file_download', { url: url.href });
    } else if (url.host !== w.location.host && /^https?:$/.test(url.protocol)) {
      if (on('outbound')) vg('track', 'outbound_link', { url: url.href });
    }
  }, true);

  d.addEventListener('submit', (e) => {
    const form = e.target;
    if (!on('forms') || !form.elements) return;
    const fields = [...new Set([...form.elements].map((f) => f.name).filter(Boolean))].slice(0, 30);
    vg('track', 'form_submitted', { form: form.id || form.getAttribute('name') || w.location.pathname, fields });
    const email = on('form-email') && form.querySelector('input[type=email]');
    if (email && email.value) vg('identify', email.value);
  }, true);
})(window, document);

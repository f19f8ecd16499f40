// What the visitor and the site allow. Pure: the browser facts come in as arguments.

/**
 * True when nothing may be sent: opted out, Global Privacy Control, Do Not Track (when the site
 * respects it), an automated browser or a local page (unless the page allows them). `allows(name)`
 * tells whether the script tag has the data attribute.
 */
export function isBlocked(w, optedOut, allows) {
  const n = w.navigator;
  return optedOut
    || n.globalPrivacyControl
    || (allows('respect-dnt') && n.doNotTrack == 1)
    || (n.webdriver && !allows('allow-automation'))
    // A local page: localhost, loopback, or no host at all (file:).
    || (/^(localhost|127\.|\[::1|$)/.test(w.location.hostname) && !allows('allow-local'));
}

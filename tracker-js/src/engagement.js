// Engaged time (the page visible and focused) and the deepest scroll, per page.

export function createEngagement(w, d) {
  let engaged = 0;
  let since = 0;
  let scroll = 0;

  function tick() {
    const t = Date.now();
    if (since) engaged += t - since;
    since = !d.hidden && d.hasFocus() ? t : 0;
  }

  function scrolled() {
    // A page shorter than the window counts as read to the end.
    scroll = Math.max(scroll, Math.min(100, Math.round(((w.scrollY + w.innerHeight) / d.documentElement.scrollHeight) * 100)));
  }

  // Visibility changes are seen through the caller, which takes what was engaged at each of them.
  w.addEventListener('focus', tick);
  w.addEventListener('blur', tick);
  w.addEventListener('scroll', scrolled, { passive: true });
  tick();
  scrolled();

  /** What was engaged since the last take; counting starts again. */
  return () => {
    tick();
    const taken = { engagedMs: engaged, scroll };
    engaged = scroll = 0;
    scrolled();
    return taken;
  };
}

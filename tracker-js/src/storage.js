// localStorage that never throws (private modes, sandboxed frames, a full quota) and the first-party
// cookie that copies the visitor id. Internal names start with '_' so that the build shortens them.

export function localStore(w) {
  const use = (fn) => {
    try {
      return fn(w.localStorage);
    } catch {
      return null;
    }
  };
  return {
    _get: (k) => use((s) => s.getItem(k)),
    // Forgetting is writing an empty value: every reader takes '' as absent.
    _set: (k, v) => use((s) => s.setItem(k, v)),
  };
}

export function cookieJar(d) {
  return {
    _get: (name) => (d.cookie.match('(^| )' + name + '=([^;]*)') || [])[2],
    _set(name, value, seconds) {
      // Secure: sent over https only (browsers also accept it on localhost).
      d.cookie = name + '=' + value + ';max-age=' + seconds + ';path=/;secure'; // SameSite=Lax is the browsers' default
    },
  };
}

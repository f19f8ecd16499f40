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
    _set: (k, v) => use((s) => s.setItem(k, v)),
    _remove: (k) => use((s) => s.removeItem(k)),
  };
}

export function cookieJar(d) {
  return {
    _get: (name) => (d.cookie.match('(^|; )' + name + '=([^;]*)') || [])[2],
    _set(name, value, seconds) {
      d.cookie = name + '=' + value + ';max-age=' + seconds + ';path=/;samesite=lax' + (d.location.protocol === 'https:' ? ';secure' : '');
    },
  };
}

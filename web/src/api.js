// Calls the API with the session cookie. Every call that changes something sends X-VG-Request, which
// the server requires of cookie sessions (a cross-site form cannot set it).
export const CSRF_HEADER = 'X-VG-Request';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export async function api(path, { method = 'GET', body, contentType = 'application/json', raw = false } = {}) {
  const headers = { [CSRF_HEADER]: '1', Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = contentType;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (response.status === 401) {
    location.assign('/login?returnUrl=' + encodeURIComponent(location.pathname + location.search));
    throw new ApiError(401, null);
  }
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not JSON */ }
    throw new ApiError(response.status, problem);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : response.text();
}

export const sitePath = (site, rest = '') => `/api/sites/${encodeURIComponent(site)}${rest}`;

// The span query API (POST /api/svc/v1/spans/query), its summary and the caller's projects, with
// the caller's key from sessionStorage (kept for this tab's session only).

const KEY = 'gateway.apiKey';

export const auth = {
  get key() { return sessionStorage.getItem(KEY) || ''; },
  set key(value) {
    if (value) sessionStorage.setItem(KEY, value);
    else sessionStorage.removeItem(KEY);
  },
};

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
  }
}

async function call(method, path, body, signal) {
  const headers = { 'Content-Type': 'application/json' };
  if (auth.key) headers.Authorization = 'Bearer ' + auth.key;
  const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined, signal });
  const json = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

export const api = {
  query: (body, signal) => call('POST', '/api/svc/v1/spans/query', body, signal),
  summary: (body, signal) => call('POST', '/api/svc/v1/spans/summary', body, signal),
  projects: (signal) => call('GET', '/api/svc/v1/spans/projects', null, signal),

  /** Every span of one trace, oldest first (a trace is a few spans; 1,000 is the page cap). */
  async trace(traceId, project, signal) {
    const spans = [];
    let pageToken = null;
    do {
      const page = await call('POST', '/api/svc/v1/spans/query', {
        tracingProjectFqn: project || null,
        // Ids are looked up by the trace index: the window costs nothing, so it is open.
        startTime: '1970-01-01T00:00:00Z',
        traceIds: [traceId],
        sortDirection: 'ASC',
        limit: 1000,
        pageToken,
      }, signal);
      spans.push(...page.data);
      pageToken = page.pagination.nextPageToken;
    } while (pageToken && spans.length < 10000);
    return spans;
  },
};

/** The gateway's models, for the model filter's suggestions (empty when unavailable). */
export async function models(signal) {
  try {
    const json = await call('GET', '/v1/models', null, signal);
    return (json.data || []).map((m) => m.id);
  } catch {
    return [];
  }
}

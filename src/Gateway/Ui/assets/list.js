// The request list: a time range, filters, the summary strip and one page of requests (root spans,
// or spans of one type), newest first. Its state lives in the URL's query string, so a filtered view
// is a link.
import { api, models } from './api.js';
import { card, sparkline } from './charts.js';
import { SPAN_TYPES, httpStatus, isError, metricsOf, modelOf, requestMetrics, spanType, spanTypeFilter, subjectOf } from './spans.js';
import { fill, fmtCost, fmtInt, fmtMs, fmtNs, fmtPct, fmtTime, h } from './util.js';

const PAGE = 50;
const RANGES = { '15m': 15 * 60e3, '1h': 3600e3, '24h': 24 * 3600e3 };
const SUBJECT_TYPES = ['user', 'virtualaccount', 'serviceaccount', 'team', 'external-identity', 'agent-identity', 'role'];
const FIELDS = ['range', 'from', 'to', 'model', 'stype', 'slug', 'status', 'type', 'mkey', 'mval'];

export function readState(search) {
  const p = new URLSearchParams(search);
  const s = {};
  for (const f of FIELDS) s[f] = p.get(f) || '';
  if (!s.range) s.range = '1h';
  return s;
}

function writeState(s) {
  const p = new URLSearchParams();
  for (const f of FIELDS) if (s[f] && !(f === 'range' && s[f] === '1h')) p.set(f, s[f]);
  const q = p.toString();
  return q ? '?' + q : '';
}

function timeWindow(s) {
  if (s.range === 'custom' && s.from) {
    return { startTime: new Date(s.from).toISOString(), endTime: s.to ? new Date(s.to).toISOString() : null };
  }
  return { startTime: new Date(Date.now() - (RANGES[s.range] || RANGES['1h'])).toISOString(), endTime: null };
}

/** The query body for the state: filters apply to requests (root spans) unless a span type is chosen. */
function queryOf(s, project, { roots }) {
  const q = { tracingProjectFqn: project, ...timeWindow(s), filters: [] };
  if (s.stype) q.createdBySubjectTypes = [s.stype];
  if (s.slug) q.createdBySubjectSlugs = [s.slug];
  if (s.model) q.filters.push({ spanAttributeKey: 'tfy.request.model_name', operator: 'EQUAL', value: s.model });
  if (s.status === 'error') q.filters.push({ spanFieldName: 'spanStatusCode', operator: 'EQUAL', value: 'Error' });
  if (s.status === 'ok') q.filters.push({ spanFieldName: 'spanStatusCode', operator: 'NOT_EQUAL', value: 'Error' });
  if (s.mkey) q.filters.push(s.mval ? { gatewayRequestMetadataKey: s.mkey, operator: 'EQUAL', value: s.mval } : { gatewayRequestMetadataKey: s.mkey, operator: 'PRESENT' });
  if (roots) q.parentSpanIds = [''];
  else if (s.type) q.filters.push(spanTypeFilter(s.type));
  return q;
}

/** Renders the list view into root. ctx: {project, navigate(path), traceHref(traceId), showError(e)}. */
export function renderList(root, ctx) {
  const state = readState(location.search);
  const byType = Boolean(state.type);
  const tokens = [null];
  let page = 0;

  const summary = h('div', { class: 'summary', id: 'summary' }, h('div', { class: 'muted' }, 'Loading summary…'));
  const tbody = h('tbody');
  const pager = h('div', { class: 'pager' });
  const note = h('div', { class: 'muted', id: 'list-note' });

  const apply = (changes) => {
    const next = { ...state, ...changes };
    ctx.navigate('/ui/' + writeState(next));
  };

  fill(root,
    filterBar(state, apply),
    summary,
    h('table', { class: 'requests', id: 'requests' },
      h('thead', {}, h('tr', {},
        h('th', {}, 'Time'), h('th', {}, byType ? 'Span' : 'Model'), byType ? h('th', {}, 'Model') : null,
        h('th', {}, 'Subject'), h('th', {}, 'Status'), h('th', { class: 'num' }, 'Latency'), h('th', { class: 'num' }, 'TTFT'),
        h('th', { class: 'num' }, 'Tokens in / out'), h('th', { class: 'num' }, 'Cost'))),
      tbody),
    note,
    pager);

  const loadPage = async () => {
    fill(tbody, h('tr', {}, h('td', { colspan: 9, class: 'muted' }, 'Loading…')));
    try {
      const body = { ...queryOf(state, ctx.project, { roots: !byType }), limit: PAGE, pageToken: tokens[page] };
      const result = await api.query(body);
      const spans = result.data;
      tokens[page + 1] = result.pagination.nextPageToken;
      const perTrace = byType ? null : await modelSpansOf(spans, ctx.project);
      fill(tbody, spans.length ? spans.map((s) => row(s, perTrace, byType, ctx)) :
        h('tr', {}, h('td', { colspan: 9, class: 'muted empty' }, 'No requests in this range. Send one through the gateway, or widen the range.')));
      fill(note, spans.length ? `${spans.length} ${byType ? 'spans' : 'requests'} on this page, newest first` : '');
      fill(pager,
        h('button', { type: 'button', id: 'newer', disabled: page === 0, onclick: () => { page--; loadPage(); } }, '← Newer'),
        h('span', { class: 'muted' }, `page ${page + 1}`),
        h('button', { type: 'button', id: 'older', disabled: !tokens[page + 1], onclick: () => { page++; loadPage(); } }, 'Older →'));
    } catch (e) {
      fill(tbody);
      if (ctx.current()) ctx.showError(e);
    }
  };

  const loadSummary = async () => {
    try {
      fill(summary, summaryCards(await api.summary(queryOf(state, ctx.project, { roots: true }))));
    } catch (e) {
      fill(summary, h('div', { class: 'muted' }, 'Summary unavailable: ' + e.message));
    }
  };

  // The summary reads every request of the range: started once the first page is on screen, so on a
  // small machine it does not compete with the page's own queries.
  loadPage().finally(loadSummary);
  models().then((ids) => {
    const list = document.getElementById('model-options');
    if (list) fill(list, ids.map((id) => h('option', { value: id })));
  });
}

/** The Model spans of the requests on a page, by trace id (one query by trace ids). */
async function modelSpansOf(roots, project) {
  const byTrace = new Map(roots.map((r) => [r.traceId, []]));
  if (!roots.length) return byTrace;
  const oldest = roots.reduce((a, r) => (r.startTime < a ? r.startTime : a), roots[0].startTime);
  const result = await api.query({
    tracingProjectFqn: project,
    startTime: oldest,
    traceIds: [...byTrace.keys()],
    filters: [{ spanFieldName: 'spanName', operator: 'EQUAL', value: 'Model' }],
    sortDirection: 'ASC',
    limit: 1000,
  });
  for (const s of result.data) byTrace.get(s.traceId)?.push(s);
  return byTrace;
}

function row(span, perTrace, byType, ctx) {
  const m = perTrace ? requestMetrics(perTrace.get(span.traceId) || []) : { ...metricsOf(span), attempts: 1 };
  const status = httpStatus(span);
  const href = ctx.traceHref(span.traceId, byType ? span.spanId : null);
  const open = (e) => {
    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    ctx.navigate(href);
  };
  return h('tr', { class: isError(span) ? 'err' : '', dataset: { traceId: span.traceId }, onclick: open },
    h('td', {}, h('a', { href, onclick: open }, fmtTime(span.startTime))),
    h('td', {}, byType ? h('span', { class: 'badge' }, spanType(span)) : modelOf(span),
      !byType && m.attempts > 1 ? h('span', { class: 'badge warn', title: 'Model attempts: retries or fallbacks' }, `${m.attempts} attempts`) : null),
    byType ? h('td', {}, modelOf(span)) : null,
    h('td', { class: 'subject' }, subjectOf(span)),
    h('td', {}, h('span', { class: 'status ' + (isError(span) ? 'bad' : 'good') }, status ?? (isError(span) ? 'error' : 'ok'))),
    h('td', { class: 'num' }, fmtNs(span.durationNs)),
    h('td', { class: 'num' }, fmtMs(m.ttftMs)),
    h('td', { class: 'num' }, m.inputTokens === null && m.outputTokens === null ? '–' : `${fmtInt(m.inputTokens ?? 0)} / ${fmtInt(m.outputTokens ?? 0)}`),
    h('td', { class: 'num' }, fmtCost(m.costUsd)));
}

function summaryCards(s) {
  const b = s.buckets;
  const errRate = b.map((x) => (x.requests ? x.errors / x.requests : null));
  return [
    card('Requests', fmtInt(s.requests), s.truncated ? 'first 100,000 shown' : null,
      sparkline([{ values: b.map((x) => x.requests), cls: 's1' }], { bars: true, title: 'requests over time' })),
    card('Error rate', fmtPct(s.requests ? s.errors / s.requests : null), `${fmtInt(s.errors)} errors`,
      sparkline([{ values: errRate, cls: 'bad' }], { title: 'error rate over time' })),
    card('Latency p50 / p95', `${fmtMs(s.latencyP50Ms)} / ${fmtMs(s.latencyP95Ms)}`, null,
      sparkline([{ values: b.map((x) => x.latencyP95Ms), cls: 's2' }, { values: b.map((x) => x.latencyP50Ms), cls: 's1' }], { title: 'latency p50 and p95 over time' })),
    card('TTFT p50 / p95', `${fmtMs(s.ttftP50Ms)} / ${fmtMs(s.ttftP95Ms)}`, null,
      sparkline([{ values: b.map((x) => x.ttftP95Ms), cls: 's2' }, { values: b.map((x) => x.ttftP50Ms), cls: 's1' }], { title: 'TTFT p50 and p95 over time' })),
    card('Tokens', fmtInt(s.inputTokens + s.outputTokens), `${fmtInt(s.inputTokens)} in / ${fmtInt(s.outputTokens)} out`,
      sparkline([{ values: b.map((x) => x.inputTokens + x.outputTokens), cls: 's1' }], { bars: true, title: 'tokens over time' })),
    card('Cost', fmtCost(s.costUsd), null,
      sparkline([{ values: b.map((x) => x.costUsd), cls: 's1' }], { bars: true, title: 'cost over time' })),
  ];
}

function filterBar(s, apply) {
  const input = (name, placeholder, attrs = {}) => h('input', { name, id: 'f-' + name, value: s[name], placeholder, ...attrs });
  const select = (name, options, any) => h('select', { name, id: 'f-' + name },
    h('option', { value: '' }, any),
    options.map((o) => h('option', { value: o, selected: s[name] === o }, o)));
  const local = (iso) => (iso ? iso.slice(0, 16) : '');
  const custom = h('span', { class: 'custom' + (s.range === 'custom' ? '' : ' hidden') },
    h('input', { type: 'datetime-local', name: 'from', id: 'f-from', value: local(s.from) }),
    '–',
    h('input', { type: 'datetime-local', name: 'to', id: 'f-to', value: local(s.to) }));
  const form = h('form', {
    class: 'filters', id: 'filters', onsubmit: (e) => {
      e.preventDefault();
      const data = Object.fromEntries(new FormData(form).entries());
      apply({ ...data, range: s.range === 'custom' || data.from ? 'custom' : s.range });
    },
  },
  h('div', { class: 'ranges', role: 'group', 'aria-label': 'time range' },
    ['15m', '1h', '24h'].map((r) => h('button', { type: 'button', class: s.range === r ? 'on' : '', dataset: { range: r }, onclick: () => apply({ range: r, from: '', to: '' }) }, r)),
    h('button', { type: 'button', class: s.range === 'custom' ? 'on' : '', dataset: { range: 'custom' }, onclick: () => custom.classList.toggle('hidden') }, 'custom'),
    custom),
  h('label', {}, 'Model', input('model', 'any', { list: 'model-options', size: 14 }), h('datalist', { id: 'model-options' })),
  h('label', {}, 'Subject', select('stype', SUBJECT_TYPES, 'any type'), input('slug', 'slug', { size: 16 })),
  h('label', {}, 'Status', select('status', ['ok', 'error'], 'any')),
  h('label', {}, 'Span type', select('type', SPAN_TYPES.map((t) => t.label), 'requests')),
  h('label', {}, 'Metadata', input('mkey', 'key', { size: 8 }), '=', input('mval', 'value', { size: 8 })),
  h('button', { type: 'submit', class: 'primary', id: 'apply' }, 'Apply'),
  h('button', { type: 'button', onclick: () => apply(Object.fromEntries(FIELDS.map((f) => [f, '']))) }, 'Clear'));
  return form;
}

// The trace view: the span tree as a waterfall (bars to scale on the trace's time line, type badges)
// and the panel of the selected span: its chat, request parameters, metrics and every attribute.
import { api } from './api.js';
import { chatOf, httpStatus, isError, metricsOf, modelOf, paramsOf, requestMetrics, spanType, subjectOf } from './spans.js';
import { copyText, fill, fmtCost, fmtInt, fmtMs, fmtNs, fmtTime, h, isoToNs } from './util.js';

/** ctx: {project, defaultProject, projectsReady, backHref, navigate, showError, current}; selected: a span id to open, or null for the root. */
export async function renderTrace(root, ctx, traceId, selected) {
  fill(root, h('div', { class: 'muted' }, 'Loading trace…'));
  let spans;
  let project = ctx.project;
  try {
    spans = await api.trace(traceId, project);
    // A deep link without its project: look in the caller's other projects.
    const others = spans.length ? [] : await ctx.projectsReady;
    for (const p of others) {
      if (spans.length || p === project) continue;
      spans = await api.trace(traceId, p);
      if (spans.length) project = p;
    }
  } catch (e) {
    if (!ctx.current()) return;
    fill(root);
    ctx.showError(e);
    return;
  }
  if (!ctx.current()) return;
  if (!spans.length) {
    fill(root, backLink(ctx), h('div', { class: 'empty', id: 'not-found' }, `No spans of trace ${traceId} in the projects you can read.`));
    return;
  }
  const rows = tree(spans);
  const t0 = rows.reduce((a, r) => (r.start < a ? r.start : a), rows[0].start);
  const t1 = rows.reduce((a, r) => (r.end > a ? r.end : a), rows[0].end);
  const total = Math.max(Number(t1 - t0) / 1e6, 0.001);
  const top = rows.find((r) => r.depth === 0).span;
  const panel = h('aside', { class: 'panel', id: 'span-panel' });
  const waterfall = h('div', { class: 'waterfall', id: 'waterfall' });

  const select = (spanId) => {
    for (const el of waterfall.querySelectorAll('.wf-row')) el.classList.toggle('selected', el.dataset.spanId === spanId);
    const r = rows.find((x) => x.span.spanId === spanId) || rows[0];
    renderPanel(panel, r.span, rows);
  };

  fill(waterfall,
    h('div', { class: 'wf-row wf-axis' }, h('div', { class: 'wf-name' }, 'Span'),
      h('div', { class: 'wf-track' }, [0, 0.25, 0.5, 0.75, 1].map((f) => h('span', { class: 'tick', style: `left:${f * 100}%` }, fmtMs(total * f))))),
    rows.map((r) => {
      const left = (Number(r.start - t0) / 1e6 / total) * 100;
      const width = Math.max((r.span.durationNs / 1e6 / total) * 100, 0.3);
      const type = spanType(r.span);
      return h('div', { class: 'wf-row' + (isError(r.span) ? ' err' : ''), dataset: { spanId: r.span.spanId, type }, tabindex: 0,
        onclick: () => select(r.span.spanId), onkeydown: (e) => { if (e.key === 'Enter') select(r.span.spanId); } },
      h('div', { class: 'wf-name', style: `padding-left:${r.depth * 16 + 4}px` },
        h('span', { class: 'badge t-' + type.replace(/[^A-Za-z]/g, '') }, type), ' ', h('span', { class: 'span-name' }, r.span.spanName)),
      h('div', { class: 'wf-track' },
        h('div', { class: 'bar', style: `left:${left.toFixed(3)}%;width:${Math.min(width, 100 - left).toFixed(3)}%` }),
        h('span', { class: 'wf-dur', style: `left:${Math.min(left + width, 100).toFixed(3)}%` }, fmtNs(r.span.durationNs))));
    }));

  const status = httpStatus(top);
  fill(root,
    backLink(ctx),
    h('header', { class: 'trace-head' },
      h('h2', {}, top.spanName, ' ', h('span', { class: 'muted' }, modelOf(top))),
      h('div', { class: 'facts' },
        fact('Trace', h('code', { id: 'trace-id' }, traceId), copyButton(traceId)),
        fact('Started', fmtTime(top.startTime)),
        fact('Duration', fmtNs(top.durationNs)),
        fact('Subject', subjectOf(top) || '–'),
        fact('Status', h('span', { class: 'status ' + (isError(top) ? 'bad' : 'good') }, status ?? (isError(top) ? 'error' : 'ok'))),
        fact('Spans', String(spans.length)),
        project !== ctx.defaultProject ? fact('Project', project) : null)),
    h('div', { class: 'trace-body' }, waterfall, panel));
  select(selected && rows.some((r) => r.span.spanId === selected) ? selected : top.spanId);
}

function backLink(ctx) {
  return h('a', { href: ctx.backHref, class: 'back', id: 'back', onclick: (e) => { e.preventDefault(); ctx.navigate(ctx.backHref); } }, '← Requests');
}

function fact(label, ...value) { return h('div', { class: 'fact' }, h('span', { class: 'fact-label' }, label), ...value); }

function copyButton(text, label = 'copy') {
  return h('button', { type: 'button', class: 'copy', title: 'copy to clipboard', onclick: (e) => { e.stopPropagation(); copyText(text, e.currentTarget); } }, label);
}

/** Spans in tree order (children by start time) with their depth; orphans (parent not stored) start their own tree. */
function tree(spans) {
  const byId = new Map(spans.map((s) => [s.spanId, { span: s, start: isoToNs(s.startTime), end: 0n, children: [] }]));
  const roots = [];
  for (const node of byId.values()) {
    node.end = node.start + BigInt(node.span.durationNs);
    const parent = node.span.parentSpanId && byId.get(node.span.parentSpanId);
    (parent ? parent.children : roots).push(node);
  }
  const byStart = (a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0);
  const out = [];
  const walk = (node, depth) => {
    out.push({ ...node, depth });
    node.children.sort(byStart).forEach((c) => walk(c, depth + 1));
  };
  roots.sort(byStart).forEach((r) => walk(r, 0));
  return out;
}

function descendants(rows, spanId) {
  const ids = new Set([spanId]);
  const out = [];
  for (const r of rows) {
    if (ids.has(r.span.parentSpanId)) {
      ids.add(r.span.spanId);
      out.push(r.span);
    }
  }
  return out;
}

function renderPanel(panel, span, rows) {
  const type = spanType(span);
  const chat = chatOf(span);
  const params = paramsOf(span);
  const isModel = type === 'Model';
  const below = descendants(rows, span.spanId).filter((s) => spanType(s) === 'Model');
  const m = isModel || !below.length ? { ...metricsOf(span), latencyMs: span.durationNs / 1e6 } : { ...requestMetrics(below), latencyMs: span.durationNs / 1e6 };
  const attrs = Object.entries(span.spanAttributes || {}).sort(([a], [b]) => a.localeCompare(b));
  fill(panel,
    h('div', { class: 'panel-head' },
      h('h3', {}, h('span', { class: 'badge t-' + type.replace(/[^A-Za-z]/g, '') }, type), ' ', span.spanName),
      h('div', { class: 'muted' }, `${fmtTime(span.startTime)} · ${fmtNs(span.durationNs)} · ${span.spanKind}`, isError(span) ? h('span', { class: 'status bad' }, ' ' + (span.statusMessage || 'error')) : null),
      h('div', { class: 'muted' }, 'span ', h('code', {}, span.spanId), copyButton(span.spanId))),
    chat.prompt.length || chat.completion.length ? section('Chat', h('div', { class: 'chat', id: 'chat' },
      chat.prompt.map((msg) => message(msg)),
      chat.completion.map((msg) => message(msg, true)))) : null,
    params.length ? section('Request parameters', table(params.map(([k, v]) => [k, v]), 'params')) : null,
    section('Metrics', h('div', { class: 'metrics', id: 'metrics' },
      metric('Latency', fmtMs(m.latencyMs)),
      m.ttftMs !== null ? metric('TTFT', fmtMs(m.ttftMs)) : null,
      m.itlMs !== null ? metric('Inter-token latency', fmtMs(m.itlMs)) : null,
      m.inputTokens !== null ? metric('Input tokens', fmtInt(m.inputTokens)) : null,
      m.outputTokens !== null ? metric('Output tokens', fmtInt(m.outputTokens)) : null,
      m.costUsd !== null ? metric('Cost', fmtCost(m.costUsd)) : null)),
    section(`Attributes (${attrs.length})`, h('div', {},
      copyButton(JSON.stringify(span.spanAttributes, null, 2), 'copy all as JSON'),
      table(attrs.map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]), 'attributes', true))),
    span.events?.length ? section(`Events (${span.events.length})`, h('pre', { class: 'events' }, JSON.stringify(span.events, null, 2))) : null);
}

function section(title, body) {
  return h('section', { class: 'panel-section' }, h('h4', {}, title), body);
}

function metric(label, value) { return h('div', { class: 'metric' }, h('div', { class: 'metric-label' }, label), h('div', { class: 'metric-value' }, value)); }

function message(msg, answer = false) {
  return h('div', { class: `msg role-${msg.role}${answer ? ' answer' : ''}`, dataset: { role: msg.role } },
    h('div', { class: 'msg-role' }, msg.role, msg.toolCallId ? h('span', { class: 'muted' }, ` · result of ${msg.toolCallId}`) : null,
      msg.finishReason ? h('span', { class: 'muted' }, ` · ${msg.finishReason}`) : null),
    msg.content !== null && msg.content !== undefined && msg.content !== '' ? h('div', { class: 'msg-content' }, msg.content) : null,
    (msg.toolCalls || []).map((c) => h('div', { class: 'tool-call' },
      h('div', {}, 'tool call ', h('code', {}, c.name || '?'), c.id ? h('span', { class: 'muted' }, ` (${c.id})`) : null),
      c.arguments ? h('pre', {}, c.arguments) : null)));
}

function table(pairs, id, copy = false) {
  return h('table', { class: 'kv', id },
    h('tbody', {}, pairs.map(([k, v]) => h('tr', {},
      h('th', {}, k),
      h('td', {}, h('div', { class: 'val' }, v)),
      copy ? h('td', { class: 'copy-cell' }, copyButton(v)) : null))));
}

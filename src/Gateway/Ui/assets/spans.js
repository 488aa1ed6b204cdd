// What the explorer reads from a span: its type badge, the chat it carries, its request parameters
// and metrics. Attribute keys are the seeds' (tfy.*, gen_ai.*).
import { parseJson } from './util.js';

/** Span types the filter offers: tfy.span_type where the span has one, else its name. */
export const SPAN_TYPES = [
  { label: 'ChatCompletion', attr: 'ChatCompletion' },
  { label: 'Completion', attr: 'Completion' },
  { label: 'Embedding', attr: 'Embedding' },
  { label: 'Model', attr: 'Model' },
  { label: 'Network Call', name: 'Network Call' },
  { label: 'loadBalanceMiddleware', name: 'loadBalanceMiddleware' },
  { label: 'fallbackRequest', name: 'fallbackRequest' },
  { label: 'RateLimiterMiddleware', name: 'RateLimiterMiddleware' },
  { label: 'Guardrail', attr: 'Guardrail' },
  { label: 'AgentResponse', attr: 'AgentResponse' },
  { label: 'MCP', attr: 'MCP' },
  { label: 'Tool Call', prefix: 'Tool Call: ' },
];

/** The query filter that selects spans of a type. */
export function spanTypeFilter(label) {
  const t = SPAN_TYPES.find((x) => x.label === label);
  if (!t) return null;
  if (t.attr) return { spanAttributeKey: 'tfy.span_type', operator: 'EQUAL', value: t.attr };
  if (t.prefix) return { spanFieldName: 'spanName', operator: 'STRING_STARTS_WITH', value: t.prefix };
  return { spanFieldName: 'spanName', operator: 'EQUAL', value: t.name };
}

export function spanType(span) {
  const a = span.spanAttributes || {};
  if (a['tfy.span_type']) return a['tfy.span_type'];
  if (span.spanName.startsWith('Tool Call: ')) return 'Tool Call';
  if (span.spanName.startsWith('MCP') || span.spanName === 'List Tools' || span.spanName === 'Connect to MCP Server') return 'MCP';
  return span.spanName;
}

export function subjectOf(span) {
  const s = span.createdBySubject;
  if (s) return `${s.subjectType}:${s.subjectSlug}`;
  return span.spanAttributes?.['tfy.request.created_by_subject'] || '';
}

export function modelOf(span) {
  const a = span.spanAttributes || {};
  return a['tfy.request.model_name'] || a['gen_ai.request.model'] || a['load_balance.requested_model'] || a['fallback.requested_model'] || '';
}

export function isError(span) { return span.statusCode === 'Error'; }

export function httpStatus(span) { return span.spanAttributes?.['http.response.status_code'] ?? null; }

/** TTFT, inter-token latency, tokens and cost of a Model span (or any span carrying them). */
export function metricsOf(span) {
  const a = span.spanAttributes || {};
  const num = (k) => (typeof a[k] === 'number' ? a[k] : null);
  return {
    latencyMs: num('tfy.model.metric.latency_in_ms') ?? span.durationNs / 1e6,
    ttftMs: num('tfy.model.metric.time_to_first_token_in_ms'),
    itlMs: num('tfy.model.metric.inter_token_latency_in_ms'),
    inputTokens: num('tfy.model.metric.input_tokens') ?? num('gen_ai.usage.input_tokens'),
    outputTokens: num('tfy.model.metric.output_tokens') ?? num('gen_ai.usage.output_tokens'),
    costUsd: num('tfy.model.metric.cost_in_usd'),
  };
}

/** A request's metrics from its Model spans: tokens and cost summed, TTFT of the attempt that answered. */
export function requestMetrics(modelSpans) {
  const m = { ttftMs: null, itlMs: null, inputTokens: null, outputTokens: null, costUsd: null, attempts: modelSpans.length };
  const add = (a, b) => (b === null ? a : (a ?? 0) + b);
  for (const s of modelSpans) {
    const x = metricsOf(s);
    m.inputTokens = add(m.inputTokens, x.inputTokens);
    m.outputTokens = add(m.outputTokens, x.outputTokens);
    m.costUsd = add(m.costUsd, x.costUsd);
    if (x.ttftMs !== null) m.ttftMs = x.ttftMs;
    if (x.itlMs !== null) m.itlMs = x.itlMs;
  }
  return m;
}

/**
 * The chat a span carries, as [{role, content, toolCalls, toolCallId, finishReason}]: from the indexed
 * gen_ai.prompt.N / gen_ai.completion.N attributes when present, else from tfy.input (the request body)
 * and tfy.output (the answer as JSON).
 */
export function chatOf(span) {
  const a = span.spanAttributes || {};
  let prompt = indexed(a, 'gen_ai.prompt.');
  let completion = indexed(a, 'gen_ai.completion.');
  const body = parseJson(a['tfy.input']);
  if (!prompt.length && body) prompt = fromBody(body);
  if (!completion.length && a['tfy.output']) completion = fromOutput(a['tfy.output']);
  return { prompt, completion };
}

function indexed(a, prefix) {
  const out = [];
  for (let i = 0; ; i++) {
    const p = `${prefix}${i}.`;
    if (!(p + 'role' in a) && !(p + 'content' in a)) break;
    const calls = [];
    for (let j = 0; ; j++) {
      const c = `${p}tool_calls.${j}.`;
      if (!(c + 'name' in a) && !(c + 'id' in a)) break;
      calls.push({ id: a[c + 'id'], name: a[c + 'name'], arguments: a[c + 'arguments'] });
    }
    out.push({ role: a[p + 'role'] || 'unknown', content: a[p + 'content'] ?? null, toolCalls: calls, toolCallId: a[p + 'tool_call_id'], finishReason: a[p + 'finish_reason'] });
  }
  return out;
}

function text(content) {
  if (content === null || content === undefined) return null;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (part.type === 'text' ? part.text : `[${part.type || 'part'}]`)).join('\n');
  }
  return JSON.stringify(content);
}

function fromBody(body) {
  if (Array.isArray(body.messages)) {
    return body.messages.map((m) => ({
      role: m.role || 'unknown',
      content: text(m.content),
      toolCalls: (m.tool_calls || []).map((c) => ({ id: c.id, name: c.function?.name, arguments: c.function?.arguments })),
      toolCallId: m.tool_call_id,
    }));
  }
  if (body.prompt !== undefined) return [{ role: 'user', content: text(body.prompt), toolCalls: [] }];
  if (body.input !== undefined) return [{ role: 'user', content: text(body.input), toolCalls: [] }];
  return [];
}

function fromOutput(output) {
  const parsed = parseJson(output);
  if (parsed === null) return [{ role: 'assistant', content: output, toolCalls: [] }];
  return (Array.isArray(parsed) ? parsed : [parsed]).map((m) => ({
    role: m.role || 'assistant',
    content: text(m.content),
    toolCalls: (m.tool_calls || []).map((c) => ({ id: c.id, name: c.function?.name, arguments: c.function?.arguments })),
    finishReason: m.finish_reason,
  }));
}

/** Request parameters: the body's fields other than the content, or the gen_ai.request.* attributes. */
export function paramsOf(span) {
  const a = span.spanAttributes || {};
  const body = parseJson(a['tfy.input']);
  const params = [];
  if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body)) {
      if (k === 'messages' || k === 'prompt' || k === 'input') continue;
      params.push([k, typeof v === 'object' ? JSON.stringify(v) : String(v)]);
    }
    return params;
  }
  for (const [k, v] of Object.entries(a)) {
    if (k.startsWith('gen_ai.request.')) params.push([k.slice('gen_ai.request.'.length), String(v)]);
  }
  return params;
}

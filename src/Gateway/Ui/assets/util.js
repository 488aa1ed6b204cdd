// DOM and formatting helpers. Every text from spans goes through textContent (never innerHTML): the
// page shows prompts and completions, which are untrusted.

/** h('div', {class: 'x', onclick: f}, 'text', child...) builds an element. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style') el.style.cssText = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces the children of el. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, v);
  for (const c of children) if (c) el.append(c);
  return el;
}

export function fmtMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
  if (ms < 1) return ms.toFixed(2) + ' ms';
  if (ms < 1000) return Math.round(ms) + ' ms';
  return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
}

export function fmtNs(ns) { return fmtMs(ns / 1e6); }

export function fmtInt(n) {
  if (n === null || n === undefined) return '–';
  return Number(n).toLocaleString('en-US');
}

export function fmtCost(usd) {
  if (usd === null || usd === undefined) return '–';
  if (usd === 0) return '$0';
  return '$' + (usd < 0.01 ? usd.toPrecision(2) : usd.toFixed(4));
}

export function fmtPct(x) { return x === null || x === undefined ? '–' : (x * 100).toFixed(x < 0.1 ? 1 : 0) + '%'; }

/** "14:03:07.123" today, else "Nov 21 14:03:07". */
export function fmtTime(iso) {
  const d = new Date(iso);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  const t = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  if (d.toDateString() === new Date().toDateString()) return t;
  return d.toLocaleDateString('en-US', { month: 'short', day: 'numeric' }) + ' ' + t;
}

/** Nanoseconds since the epoch from the API's ISO time with 7 fractional digits (Date keeps only ms). */
export function isoToNs(iso) {
  const m = /\.(\d+)Z$/.exec(iso);
  const ms = Date.parse(iso);
  const frac = m ? (m[1] + '000000000').slice(3, 9) : '000000';
  return BigInt(Math.floor(ms)) * 1000000n + BigInt(frac);
}

export function parseJson(text) {
  if (typeof text !== 'string') return null;
  try { return JSON.parse(text); } catch { return null; }
}

export async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    if (button) flash(button, 'copied');
  } catch {
    // Clipboard needs a secure context (localhost is one); elsewhere select the text for a manual copy.
    if (button) flash(button, 'press Ctrl+C');
    const area = h('textarea', { class: 'copy-fallback' }, text);
    document.body.append(area);
    area.select();
    setTimeout(() => area.remove(), 4000);
  }
}

function flash(button, text) {
  const old = button.textContent;
  button.textContent = text;
  setTimeout(() => { button.textContent = old; }, 1200);
}

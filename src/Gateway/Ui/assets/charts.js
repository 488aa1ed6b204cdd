// Small inline SVG charts for the summary strip: one series (or two, e.g. p50 and p95) over the buckets.
import { h, svg } from './util.js';

const W = 160;
const H = 36;

/** series: [{values: [number|null], cls}]; bars=true draws columns (counts), else lines. */
export function sparkline(series, { bars = false, title = '' } = {}) {
  const n = Math.max(...series.map((s) => s.values.length), 1);
  const max = Math.max(...series.flatMap((s) => s.values.filter((v) => v !== null && v !== undefined)), 0) || 1;
  const x = (i) => (n === 1 ? W / 2 : (i * W) / (n - 1));
  const y = (v) => H - 2 - (v / max) * (H - 4);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'spark', role: 'img', 'aria-label': title },
    svg('title', {}, document.createTextNode(title)));
  for (const s of series) {
    if (bars) {
      const bw = W / n;
      s.values.forEach((v, i) => {
        if (!v) return;
        const top = y(v);
        chart.append(svg('rect', { x: (i * bw + 0.5).toFixed(1), y: top.toFixed(1), width: Math.max(1, bw - 1).toFixed(1), height: (H - 2 - top).toFixed(1), class: s.cls }));
      });
      continue;
    }
    // Lines break where a bucket has no value.
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null || v === undefined) { pen = false; return; }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    if (d) chart.append(svg('path', { d, class: s.cls, fill: 'none' }));
  }
  chart.append(svg('line', { x1: 0, y1: H - 1, x2: W, y2: H - 1, class: 'axis' }));
  return chart;
}

/** A summary card: label, headline value, optional second line, chart. */
export function card(label, value, sub, chart) {
  return h('div', { class: 'card' },
    h('div', { class: 'card-label' }, label),
    h('div', { class: 'card-value' }, value),
    sub ? h('div', { class: 'card-sub' }, sub) : null,
    chart);
}

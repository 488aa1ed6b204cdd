// Page load of the trace explorer over a store of 100,000 spans (issue #16), in Chromium on loopback.
//
//   GATEWAY_BINARY=artifacts/aot/gateway node tests/browser/perf.mjs [--requests 33334] [--loads 7] [--db PATH]
//
// --db keeps the store in PATH and reuses it on the next run (seeding only when it is empty).
//
// Seeds the store through the gateway itself (non-streaming mock requests: chatCompletions -> Model ->
// Network Call, 3 spans each), waits until the span store has written them all (gateway_span_store_*
// on /metrics), then loads /ui in a fresh page per load and reports, as medians over the loads after a
// warm-up: the navigation's load event, the first page of requests on screen, and the summary strip on
// screen. All requests are in the last minutes, so the 15-minute range summarises every one of them.
import { chromium } from 'playwright-core';
import { startGateway } from './gateway.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const requests = arg('requests', 33334);
const loads = arg('loads', 7);
const dbIndex = process.argv.indexOf('--db');
const db = dbIndex > 0 ? process.argv[dbIndex + 1] : '$DIR/spans.db';

const gateway = await startGateway(`
providers:
  - {name: mock, type: mock, token_delay_ms: 0, models: [echo]}
span_store: {path: ${db}, queue_capacity: 262144, retention_days: 0}
`);
try {
  const seedStart = Date.now();
  const stored = await (await fetch(gateway.url + '/api/svc/v1/spans/summary', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ startTime: '1970-01-01T00:00:00Z' }),
  })).json();
  let next = stored.requests > 0 ? requests : 0;
  const worker = async () => {
    while (next < requests) {
      const i = next++;
      const response = await fetch(gateway.url + '/v1/chat/completions', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'x-tfy-metadata': JSON.stringify({ batch: String(i % 10) }) },
        body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: `request ${i}: how far is the moon?` }] }),
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error('seed request failed: ' + response.status);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  // Written = all spans queued; none dropped.
  for (;;) {
    const text = await (await fetch(gateway.url + '/metrics')).text();
    const value = (name) => Number((new RegExp(`^${name}\\{[^}]*\\} (\\S+)`, 'm').exec(text) || [])[1]);
    if (value('gateway_span_store_dropped_total') > 0) throw new Error('the span store dropped spans: raise queue_capacity');
    if (value('gateway_span_store_queue_depth') === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const summary = await (await fetch(gateway.url + '/api/svc/v1/spans/summary', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ startTime: '1970-01-01T00:00:00Z' }),
  })).json();
  console.log(`seeded ${summary.requests} requests (${summary.requests * 3} spans) in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
  const results = {};
  for (const range of ['15m', '24h', '7d']) {
    const samples = [];
    for (let i = 0; i <= loads; i++) {
      const page = await browser.newPage();
      // Marks when the first row and the first summary card reach the DOM, in the page's own clock.
      await page.addInitScript(() => {
        window.__marks = {};
        new MutationObserver(() => {
          if (!window.__marks.list && document.querySelector('#requests tbody tr[data-trace-id]')) window.__marks.list = performance.now();
          if (!window.__marks.summary && document.querySelector('#summary .card')) window.__marks.summary = performance.now();
        }).observe(document, { childList: true, subtree: true });
      });
      const query = range === '7d' ? `range=custom&from=${localTime(Date.now() - 7 * 24 * 3600e3)}` : `range=${range}`;
      await page.goto(`${gateway.url}/ui/?${query}`);
      await page.waitForFunction(() => window.__marks.list && window.__marks.summary);
      const m = await page.evaluate(() => ({ load: performance.getEntriesByType('navigation')[0].loadEventEnd, ...window.__marks }));
      const rows = await page.locator('#requests tbody tr[data-trace-id]').count();
      if (rows !== 50) throw new Error(`expected a full page of 50 requests, got ${rows}`);
      await page.close();
      if (i > 0) samples.push(m); // the first load warms the server's caches and Chromium's
    }
    const median = (k) => {
      const v = samples.map((s) => s[k]).sort((a, b) => a - b);
      return v[Math.floor(v.length / 2)];
    };
    results[range] = { load: median('load'), list: median('list'), summary: median('summary') };
  }
  await browser.close();
  console.log(`median of ${loads} loads (ms since navigation start)`);
  console.log('range | load event | first page of requests | summary strip');
  for (const [range, r] of Object.entries(results)) console.log(`${range} | ${r.load.toFixed(0)} | ${r.list.toFixed(0)} | ${r.summary.toFixed(0)}`);
} finally {
  await gateway.stop();
}

function localTime(ms) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// The trace explorer in a real browser (issue #16): Debian's Chromium driven by playwright-core,
// against the gateway binary with the mock provider. One gateway and one page for the whole file;
// the tests run in order, each building on the page the previous one left.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { chat, repo, startGateway, waitForSpans } from './gateway.mjs';

const ADMIN_KEY = 'sk-ui-admin-3c1f9a';
const BOT_KEY = 'sk-ui-bot-77d0e2';
const CONFIG = `
server: {sse_keepalive_ms: 0}
auth:
  api_keys:
    - {key: "\${UI_ADMIN_KEY}", subject: "user:admin@example.com", admin: true}
    - {key: "\${UI_BOT_KEY}", subject: "virtualaccount:ci-bot"}
providers:
  - name: mock
    type: mock
    token_delay_ms: 5
    models: [echo]
  - name: down
    type: openai
    base_url: http://127.0.0.1:9/v1
    api_key: unused
    models: [gpt-4o]
virtual_models:
  - name: chat-default
    routing_config:
      type: priority-based-routing
      load_balance_targets:
        - {target: down/gpt-4o, priority: 0, retry_config: {attempts: 0}}
        - {target: mock/echo, priority: 1}
span_store: {path: $DIR/spans.db}
`;
const QUESTION = 'What is the capital of France?';
const images = join(repo, 'docs/images');

describe('trace explorer', () => {
  let gateway;
  let browser;
  let page;
  let streamTrace;
  let fallbackTrace;
  const consoleErrors = [];
  const pageErrors = [];

  before(async () => {
    gateway = await startGateway(CONFIG, { UI_ADMIN_KEY: ADMIN_KEY, UI_BOT_KEY: BOT_KEY });
    await chat(gateway, BOT_KEY, { model: 'mock/echo', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Stream a short answer' }] });
    await chat(gateway, ADMIN_KEY, { model: 'chat-default', temperature: 0.2, messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: QUESTION }] });
    const roots = await waitForSpans(gateway, ADMIN_KEY, { startTime: new Date(Date.now() - 3600e3).toISOString(), parentSpanIds: [''] }, (spans) => spans.length === 2);
    streamTrace = roots.find((s) => s.spanAttributes['tfy.request.model_name'] === 'mock/echo').traceId;
    fallbackTrace = roots.find((s) => s.spanAttributes['tfy.request.model_name'] === 'chat-default').traceId;
    // Every span of both traces is stored (children end before their root, so they are written with it or earlier).
    await waitForSpans(gateway, ADMIN_KEY, { startTime: '1970-01-01T00:00:00Z', traceIds: [fallbackTrace] }, (spans) => spans.length >= 7);
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1360, height: 820 } });
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    mkdirSync(images, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  test('without a key the page asks for one; with it the list shows both requests, newest first', async () => {
    await page.goto(gateway.url + '/ui');
    await page.locator('#error', { hasText: 'needs an API key' }).waitFor();
    // The 401s of the page's first queries are expected here; errors are counted from the login on.
    consoleErrors.length = 0;
    await page.fill('#api-key', ADMIN_KEY);
    await page.click('#use-key');
    const rows = page.locator('#requests tbody tr[data-trace-id]');
    await rows.nth(1).waitFor();
    assert.equal(await rows.count(), 2);
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.traceId)), [fallbackTrace, streamTrace]);
    const fallbackRow = await rows.nth(0).innerText();
    assert.match(fallbackRow, /chat-default/);
    assert.match(fallbackRow, /2 attempts/);
    assert.match(fallbackRow, /user:admin@example\.com/);
    const streamRow = await rows.nth(1).innerText();
    assert.match(streamRow, /mock\/echo/);
    assert.match(streamRow, /virtualaccount:ci-bot/);
    // TTFT is known for the stream; tokens for both.
    assert.match(streamRow, /\d+ ms/);
    await page.locator('#summary .card').first().waitFor();
    assert.match(await page.locator('#summary').innerText(), /Requests\s+2/);
    await page.screenshot({ path: join(images, 'explorer-list.png') });
  });

  test('the fallback trace shows its spans in order with their types', async () => {
    await page.click(`#requests tr[data-trace-id="${fallbackTrace}"] a`);
    await page.waitForURL(`**/ui/traces/${fallbackTrace}`);
    await page.locator('#waterfall .wf-row[data-span-id]').nth(6).waitFor();
    const spans = await page.locator('#waterfall .wf-row[data-span-id]').evaluateAll((rows) =>
      rows.map((r) => [r.dataset.type, r.querySelector('.span-name').textContent, r.classList.contains('err')]));
    assert.deepEqual(spans, [
      ['ChatCompletion', 'chatCompletions', false],
      ['loadBalanceMiddleware', 'loadBalanceMiddleware', false],
      ['Model', 'Model', true],
      ['Network Call', 'Network Call', true],
      ['fallbackRequest', 'fallbackRequest', false],
      ['Model', 'Model', false],
      ['Network Call', 'Network Call', false],
    ]);
    // Bars are to scale: each child's bar lies within its parent's.
    const bars = await page.locator('#waterfall .wf-row[data-span-id] .bar').evaluateAll((els) => els.map((e) => [parseFloat(e.style.left), parseFloat(e.style.width)]));
    assert.ok(bars[0][0] === 0 && bars[0][1] > 99, 'the root spans the whole time line: ' + JSON.stringify(bars[0]));
    assert.ok(bars[5][0] >= bars[4][0] && bars[5][0] + bars[5][1] <= bars[4][0] + bars[4][1] + 0.5, 'the fallback Model lies within fallbackRequest');
  });

  test('the Model span that answered shows the user message and the answer', async () => {
    await page.locator('#waterfall .wf-row[data-type="Model"]').nth(1).click();
    const chatPanel = page.locator('#span-panel #chat');
    await chatPanel.waitFor();
    assert.equal(await chatPanel.locator('.msg[data-role="system"] .msg-content').innerText(), 'You are terse.');
    assert.equal(await chatPanel.locator('.msg[data-role="user"] .msg-content').innerText(), QUESTION);
    assert.match(await chatPanel.locator('.msg.answer[data-role="assistant"] .msg-content').innerText(), new RegExp('You said: ' + QUESTION.replace('?', '\\?')));
    assert.match(await page.locator('#span-panel #params').innerText(), /temperature\s+0\.2/);
    assert.match(await page.locator('#span-panel #metrics').innerText(), /Output tokens/);
    assert.match(await page.locator('#span-panel #attributes').innerText(), /tfy\.model\.name\s+echo/);
    await page.screenshot({ path: join(images, 'explorer-trace.png') });
  });

  test('filtering by subject keeps only that subject\'s requests', async () => {
    await page.click('#back');
    await page.locator('#requests tbody tr[data-trace-id]').nth(1).waitFor();
    await page.selectOption('#f-stype', 'virtualaccount');
    await page.fill('#f-slug', 'ci-bot');
    await page.click('#apply');
    await page.waitForURL(/stype=virtualaccount&slug=ci-bot/);
    const rows = page.locator('#requests tbody tr[data-trace-id]');
    await page.locator(`#requests tr[data-trace-id="${streamTrace}"]`).waitFor();
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.traceId)), [streamTrace]);
    await page.locator('#summary .card').first().waitFor();
    assert.match(await page.locator('#summary').innerText(), /Requests\s+1/);
  });

  test('a deep link opens the trace, with the stream\'s TTFT', async () => {
    await page.goto(`${gateway.url}/ui/traces/${streamTrace}`);
    await page.locator('#waterfall .wf-row[data-span-id]').nth(2).waitFor();
    const types = await page.locator('#waterfall .wf-row[data-span-id]').evaluateAll((rows) => rows.map((r) => r.dataset.type));
    assert.deepEqual(types, ['ChatCompletion', 'Model', 'Network Call']);
    assert.equal(await page.locator('#trace-id').innerText(), streamTrace);
    // The root's panel sums its Model span: TTFT of the stream.
    assert.match(await page.locator('#span-panel #metrics').innerText(), /TTFT\s+\d/);
    const unknown = '0123456789abcdef0123456789abcdef';
    await page.goto(`${gateway.url}/ui/traces/${unknown}`);
    await page.locator('#not-found').waitFor();
  });

  test('the page logged no errors after login', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(consoleErrors, []);
  });

  test('assets are served from the binary with types, ETags and gzip', async () => {
    const index = await fetch(gateway.url + '/ui/traces/' + streamTrace);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type'), /^text\/html/);
    assert.match(await index.text(), /<main id="main">/);
    const js = await fetch(gateway.url + '/ui/assets/app.js', { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type'), /^text\/javascript/);
    assert.equal(js.headers.get('content-encoding'), 'gzip');
    assert.match(js.headers.get('content-security-policy'), /script-src 'self'/);
    const again = await fetch(gateway.url + '/ui/assets/app.js', { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': js.headers.get('etag') } });
    assert.equal(again.status, 304);
    assert.equal((await fetch(gateway.url + '/ui/assets/missing.js')).status, 404);
  });
});

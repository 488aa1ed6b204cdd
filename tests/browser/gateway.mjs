// Starts the gateway for the browser tests: the binary named by GATEWAY_BINARY (the AOT publish in
// scripts/test.sh), else the Debug build through `dotnet`. Waits for its "gateway listening on" line.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export async function startGateway(yaml, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-browser-'));
  const config = join(dir, 'gateway.yaml');
  writeFileSync(config, yaml.replaceAll('$DIR', dir));
  const binary = process.env.GATEWAY_BINARY;
  const [command, args] = binary
    ? [binary, []]
    : ['dotnet', [join(repo, 'src/Gateway/bin/Debug/net10.0/gateway.dll')]];
  const child = spawn(command, [...args, 'serve', '--config', config, '--urls', 'http://127.0.0.1:0'], {
    env: { ...process.env, ASPNETCORE_URLS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('gateway did not start in 20 s:\n' + output)), 20000);
    const onData = (chunk) => {
      output += chunk;
      const m = /gateway listening on (\S+)/.exec(output);
      if (m) { clearTimeout(timer); ok(m[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`gateway exited (${code}):\n${output}`)); });
  });
  return {
    url,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((ok) => { if (child.exitCode !== null) ok(); else child.on('exit', ok); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function chat(gateway, key, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (key) headers.Authorization = 'Bearer ' + key;
  const response = await fetch(gateway.url + '/v1/chat/completions', { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`chat completion failed: ${response.status} ${text}`);
  return text;
}

/** Polls the span query API until `done(spans)` holds, for at most 10 s. */
export async function waitForSpans(gateway, key, query, done) {
  const until = Date.now() + 10000;
  for (;;) {
    const response = await fetch(gateway.url + '/api/svc/v1/spans/query', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(key ? { Authorization: 'Bearer ' + key } : {}) },
      body: JSON.stringify(query),
    });
    const json = await response.json();
    if (response.ok && done(json.data)) return json.data;
    if (Date.now() > until) throw new Error('spans did not arrive: ' + JSON.stringify(json).slice(0, 500));
    await new Promise((r) => setTimeout(r, 50));
  }
}

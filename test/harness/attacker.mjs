// Sends one hostile request from its own process, so the test process (which runs the service)
// measures the service's latency, not the cost of building and sending the attack.
// Usage: node attacker.mjs CONFIG.json → prints {"status", "headers", "text"} as JSON on stdout.
// CONFIG: { url, method, path, headers, parts: [{ text } | { base64 } | { fill, bytes }], pieces, pauseMs }
import { Buffer } from 'node:buffer';
import fs from 'node:fs';
import http from 'node:http';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL } from 'node:url';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const body = Buffer.concat(
  config.parts.map((part) =>
    part.text !== undefined
      ? Buffer.from(part.text)
      : part.base64 !== undefined
        ? Buffer.from(part.base64, 'base64')
        : Buffer.alloc(part.bytes, part.fill),
  ),
);
const url = new URL(config.url);
const req = http.request({
  host: url.hostname,
  port: url.port,
  method: config.method,
  path: config.path,
  headers: { ...config.headers, ...(config.pieces ? {} : { 'content-length': String(body.length) }) },
  agent: false,
});
let answered = false;
req.on('response', (res) => {
  answered = true;
  const chunks = [];
  res.on('data', (c) => chunks.push(c));
  res.on('end', () => {
    process.stdout.write(
      JSON.stringify({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
    );
    process.exit(0);
  });
});
// A server that refuses early closes the connection once it has answered; the write may fail
// (EPIPE) before the answer is read: give the answer a moment to arrive before reporting an error.
req.on('error', (error) => {
  setTimeout(() => {
    if (answered) return;
    process.stdout.write(JSON.stringify({ error: error.message }));
    process.exit(0);
  }, 2_000);
});
// Give the test a moment to start probing before the attack lands.
await sleep(100);
if (!config.pieces) req.end(body);
else {
  const size = Math.ceil(body.length / config.pieces);
  for (let at = 0; at < body.length && !answered; at += size) {
    if (!req.write(body.subarray(at, at + size))) await new Promise((r) => req.once('drain', r));
    await sleep(config.pauseMs ?? 0);
  }
  if (!answered) req.end();
}

/**
 * Re-done work, as the gateway's call claims decide it: the next attempt at a call is re-done
 * only when an earlier attempt may have been paid (it reached the server and no answer came
 * back), never when the server refused it with an error status (an outage's 503s cost nothing)
 * or the connection was never made. Real HTTP through the openai client, claims in a directory.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { reachedModelUnanswered } from '../src/llm/errors';
import { createGateway } from '../src/llm/gateway';
import { registryFromSpecs } from '../src/llm/registry';
import type { ChatRequest } from '../src/llm/types';
import { CallClaims } from '../src/store/claims';
import { LocalObjects } from '../src/store/objects';
import { startFaultServer, type Fault, type FaultServer } from './helpers/llm-fault-server';

const TIMINGS = { refreshMs: 100, staleMs: 5_000, pollMs: 25 };

let server: FaultServer;
let tmp: string;
let n = 0;

beforeAll(async () => {
  server = await startFaultServer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-redone-'));
});
afterAll(async () => {
  await server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => server.reset());

function gatewayAt(baseUrl: string) {
  const dir = path.join(tmp, `run-${++n}`);
  return createGateway({
    registry: registryFromSpecs([{ name: 'm', provider: 'openai-compatible', baseUrl, model: 'id', timeoutMs: 400, concurrency: 4, priceInputPerM: 1, priceOutputPerM: 1 }]),
    cacheDir: path.join(dir, 'responses'),
    claims: new CallClaims(new LocalObjects(path.join(dir, 'claims')), TIMINGS),
    env: {},
  });
}

const ask = (caller: { id: string; attempt: number }): ChatRequest => ({
  messages: [{ role: 'user', content: 'What is 2+2?' }], sampleIndex: 0, caller,
});

/** Attempt 1 meets `fault` and fails; attempt 2 of the same caller is answered. */
async function retriedAfter(fault: Fault) {
  const g = gatewayAt(server.url);
  server.next(fault, { kind: 'ok', text: 'four' });
  const err = await g.chat('m', ask({ id: 'wf/1', attempt: 1 })).then(() => undefined, (e: unknown) => e);
  expect(err).toBeDefined();
  const started = Date.now();
  const second = await g.chat('m', ask({ id: 'wf/1', attempt: 2 }));
  return { err, second, waitedMs: Date.now() - started, requests: server.requests.length };
}

test.each([
  ['a 503', false, { kind: 'status', status: 503 } as Fault],
  ['a 429 rate limit', false, { kind: 'status', status: 429 } as Fault],
  ['a timeout (the server never answered)', true, { kind: 'hang' } as Fault],
  ['a connection dropped mid-call', true, { kind: 'drop' } as Fault],
  ['a body cut short', true, { kind: 'truncate' } as Fault],
])('the attempt after %s: re-done = %s', async (_what, redone, fault) => {
  const r = await retriedAfter(fault);
  expect(reachedModelUnanswered(r.err)).toBe(redone);
  expect(r.requests).toBe(2);
  expect(r.second.text).toBe('four');
  expect(!!r.second.redone).toBe(redone);
  expect(r.second.cached).toBe(false);
  expect(r.waitedMs).toBeLessThan(TIMINGS.staleMs); // its own earlier claim is taken over at once
});

test('another caller meets a claim whose call timed out: it takes over at once and its call is re-done', async () => {
  const g = gatewayAt(server.url);
  server.next({ kind: 'hang' }, { kind: 'ok', text: 'four' });
  await expect(g.chat('m', ask({ id: 'wf/1', attempt: 1 }))).rejects.toThrow(/timed out/);
  const started = Date.now();
  const other = await g.chat('m', ask({ id: 'wf/2', attempt: 1 }));
  expect(Date.now() - started).toBeLessThan(TIMINGS.staleMs);
  expect(other.redone).toBe(true);
  // The answer is now in the cache: the first caller's retry pays nothing and is not re-done.
  const retry = await g.chat('m', ask({ id: 'wf/1', attempt: 2 }));
  expect(retry).toMatchObject({ cached: true, text: 'four' });
  expect(retry.redone).toBeFalsy();
  expect(server.requests.length).toBe(2);
});

test('a connection refused never reached a model: the next attempt is a first call', async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const g = gatewayAt(`http://127.0.0.1:${port}/v1`);
  const err = await g.chat('m', ask({ id: 'wf/1', attempt: 1 })).then(() => undefined, (e: unknown) => e);
  expect(String((err as Error).message)).toMatch(/ECONNREFUSED/);
  expect(reachedModelUnanswered(err)).toBe(false);
});

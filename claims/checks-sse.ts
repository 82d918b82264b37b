// SSE behaviour where the guide locates it, in the browser: Chromium's own EventSource (Debian's
// chromium, driven by playwright-core as the HTML report test does) against a node:http server
// that sends the guide's stream texts (L2992-3016) and records every request it gets. Plus a
// plain fetch of the reference SSE server's stream.
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type net from 'node:net';
import { WebSocketServer } from 'ws';
import { startSseServer } from '../servers/sse.ts';
import { createMemoryStore } from '../servers/store.ts';
import { DEFAULT_DATASET } from '../servers/dataset.ts';
import { guideText } from './guide.ts';
import { exact, held, sleep, unavailable, withTimeout, type CheckResult } from './observe.ts';

const HOST = '127.0.0.1';
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Seen {
  /** Requests per stream path, with their Last-Event-ID and arrival time. */
  requests: Record<string, { at: number; lastEventId: string | undefined }[]>;
  /** When each stream's first response was ended by the server. */
  endedAt: Record<string, number>;
  wsConnections: number;
}

const sse = (res: http.ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
};

/** Streams the page opens. The first request of each is answered, later ones get 204 (per spec: stop reconnecting). */
function startStreams(seen: Seen): Promise<{ server: http.Server; port: number }> {
  const texts = {
    // Event ids as at L3002; the server ends the stream so the browser must reconnect.
    '/ids': 'id: 121\ndata: first\n\nid: 122\ndata: second\n\nid: 123\ndata: message content\n\n',
    // L3009-3011.
    '/retry': `${guideText(3010, 3011, 'retry: 10000')}\n\n`,
    // L3013-3016, then L3006-3007, then a plain message for onmessage.
    '/protocol': `${guideText(3014, 3016, 'data: First line')}\n\n${guideText(3006, 3007, 'event: userLoggedIn')}\n\ndata: plain\n\n`,
    // The guide's server response body (L2992-2996).
    '/guide': `${guideText(2992, 2996, 'data: First message')}\n\n`,
  } as Record<string, string>;
  const page = '<!doctype html><meta charset="utf-8"><title>sse</title>';
  const server = http.createServer((req, res) => {
    const p = req.url ?? '';
    if (p === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    const text = texts[p];
    if (text === undefined) return void res.writeHead(404).end();
    const list = (seen.requests[p] ??= []);
    list.push({ at: performance.now(), lastEventId: req.headers['last-event-id'] as string | undefined });
    if (list.length > 1) return void res.writeHead(204).end();
    sse(res);
    res.write(text);
    if (p === '/ids' || p === '/retry') {
      // End after a beat, so the events are surely delivered before the close.
      setTimeout(() => {
        seen.endedAt[p] = performance.now();
        res.end();
      }, 100);
    }
  });
  // A WebSocket endpoint that closes each connection at once: does the browser come back?
  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (ws) => {
    seen.wsConnections++;
    setTimeout(() => ws.close(1001, 'going away'), 100);
  });
  return new Promise((resolve) =>
    server.listen(0, HOST, () => resolve({ server, port: (server.address() as net.AddressInfo).port })),
  );
}

interface PageResult {
  multiline: string | null;
  named: string[];
  onmessage: string[];
  guideErrors: string[];
  guideMessages: number;
  wsClosedCode: number | null;
}

/** Runs in the page: everything at once; the reconnect timings are read on the server side. */
const PAGE_SCRIPT = `async function (handler) {
  const r = { multiline: null, named: [], onmessage: [], guideErrors: [], guideMessages: 0, wsClosedCode: null };
  new EventSource('/ids');
  new EventSource('/retry');
  const proto = new EventSource('/protocol');
  proto.onmessage = (e) => { if (r.multiline === null) r.multiline = e.data; else r.onmessage.push(e.data); };
  proto.addEventListener('userLoggedIn', (e) => r.named.push(e.data));
  // The guide's client, verbatim, with updateUI as a no-op; an exception thrown in an event
  // handler is reported to window's error event.
  window.addEventListener('error', (e) => r.guideErrors.push(String(e.message)));
  const eventSource = new EventSource('/guide');
  eventSource.addEventListener('message', () => r.guideMessages++);
  new Function('eventSource', 'updateUI', 'console', handler)(eventSource, () => {}, { log: () => {} });
  const ws = new WebSocket('ws://' + location.host + '/ws');
  ws.onclose = (e) => { r.wsClosedCode = e.code; };
  await new Promise((res) => setTimeout(res, 1500));
  return r;
}`;

export async function sseCheck(): Promise<CheckResult> {
  const out: CheckResult = {};
  out.plainGet = await plainGet();
  if (!existsSync(CHROMIUM)) {
    const why = `needs Debian's chromium at ${CHROMIUM} (apt-get install -y chromium) to run a browser EventSource`;
    for (const k of [
      'autoReconnect',
      'lastEventId',
      'defaultRetry',
      'retryField',
      'multiline',
      'namedEvents',
      'guideClientOnGuideStream',
    ])
      out[k] = unavailable(why);
    return out;
  }
  const seen: Seen = { requests: {}, endedAt: {}, wsConnections: 0 };
  const { server, port } = await startStreams(seen);
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'claims-sse-'));
  const context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`http://${HOST}:${port}/`);
    const guideHandler = guideText(3028, 3032, 'eventSource.onmessage');
    // Page code goes in as text: tsx compiles functions with helpers (__name) the page lacks.
    const result = (await page.evaluate(`(${PAGE_SCRIPT})(${JSON.stringify(guideHandler)})`)) as PageResult;

    // Wait for the reconnects: ~3 s by default, 10 s after retry: 10000.
    const deadline = performance.now() + 14_000;
    while (
      performance.now() < deadline &&
      ((seen.requests['/ids']?.length ?? 0) < 2 || (seen.requests['/retry']?.length ?? 0) < 2)
    )
      await sleep(100);
    const ids = seen.requests['/ids'] ?? [];
    const retry = seen.requests['/retry'] ?? [];
    const defaultDelay = ids[1] && seen.endedAt['/ids'] ? (ids[1].at - seen.endedAt['/ids']) / 1000 : NaN;
    const retryDelay = retry[1] && seen.endedAt['/retry'] ? (retry[1].at - seen.endedAt['/retry']) / 1000 : NaN;
    await sleep(Math.max(0, 4000 - 1500)); // the WebSocket closed ~1.5 s ago: give it the same 3-4 s to come back
    const version = context.browser()?.version() ?? 'chromium';

    out.autoReconnect = held(
      ids.length >= 2 && seen.wsConnections === 1,
      `EventSource ${ids.length >= 2 ? `reconnected ${defaultDelay.toFixed(1)} s after the server ended the stream` : 'did not reconnect'}; the WebSocket closed with ${result.wsClosedCode} and ${seen.wsConnections === 1 ? 'was not reopened' : `was reopened (${seen.wsConnections} connections)`} (Chromium ${version})`,
    );
    out.lastEventId = held(
      ids[1]?.lastEventId === '123',
      `reconnect request carried Last-Event-ID: ${ids[1]?.lastEventId ?? '(none)'}; the first request had ${ids[0]?.lastEventId ?? 'none'}`,
    );
    out.defaultRetry = Number.isFinite(defaultDelay)
      ? exact(defaultDelay, 's', `Chromium ${version}, no retry: field`)
      : unavailable('the browser did not reconnect within 14 s');
    out.retryField = Number.isFinite(retryDelay)
      ? exact(retryDelay, 's', `Chromium ${version}, after retry: 10000`)
      : unavailable('the browser did not reconnect within 14 s');
    out.multiline = held(
      result.multiline === 'First line\nSecond line\nThird line',
      `event.data = ${JSON.stringify(result.multiline)}`,
    );
    out.namedEvents = held(
      result.named.length === 1 && result.onmessage.length === 1 && result.onmessage[0] === 'plain',
      `userLoggedIn listener got ${JSON.stringify(result.named)}; onmessage got ${JSON.stringify(result.onmessage)} after the multi-line event`,
    );
    out.guideClientOnGuideStream = held(
      result.guideErrors.length === 0 && result.guideMessages === 3,
      `${result.guideMessages} messages; ${result.guideErrors.length} exception${result.guideErrors.length === 1 ? '' : 's'} from the guide's onmessage: ${result.guideErrors.map((e) => e.replace(/^Uncaught /, '')).join(' | ') || 'none'} (JSON.parse of "First message")`,
    );
  } finally {
    await context.close();
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** The reference SSE server's stream read by plain fetch: no EventSource needed. */
async function plainGet(): Promise<ReturnType<typeof held>> {
  const s = await startSseServer({ host: HOST, port: 0, store: createMemoryStore({ ...DEFAULT_DATASET, users: 100 }) });
  const ac = new AbortController();
  try {
    const res = await withTimeout(fetch(`http://${HOST}:${s.port}/v1/events`, { signal: ac.signal }), 3000, 'GET /v1/events');
    const reader = res.body!.getReader();
    const { value } = await withTimeout(reader.read(), 3000, 'first event');
    const text = new TextDecoder().decode(value);
    const type = res.headers.get('content-type') ?? '';
    return held(
      res.status === 200 && type.startsWith('text/event-stream') && /^(retry|event|data|id):/m.test(text),
      `GET /v1/events: ${res.status} ${type}; first bytes ${JSON.stringify(text.slice(0, 60))}`,
    );
  } finally {
    ac.abort();
    await s.close();
  }
}

/**
 * The watch fan-out baseline: bare node:http. `GET /watch` opens a chunked stream that stays
 * open; a POST of a Widget (the same request a kit create gets) parses it, renders one
 * `{"type":"ADDED","object":...}` line once and writes that line to every open stream, then
 * answers the object. That is the least a server can do to deliver one change to N watchers
 * over HTTP; the kit also validates, stores, assigns a resourceVersion, keeps history and
 * queues per watcher.
 *
 * With `coalesce`, frames for a stream are gathered and written once per event-loop turn
 * (setImmediate) instead of once per event: one write syscall per watcher per turn, however
 * many events the turn produced, as Kubernetes' watch server flushes only when its channel is
 * empty. It shows what the same machine does when fan-out stops paying a syscall per event.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceReady, childConfig, serveParent } from '../support/child-protocol.js';

const { coalesce = false } = childConfig<{ coalesce?: boolean }>();
const streams = new Set<ServerResponse>();
const pending = new Map<ServerResponse, Buffer[]>();
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  for (const [s, frames] of pending) s.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
  pending.clear();
}

function send(s: ServerResponse, frame: Buffer): void {
  if (!coalesce) {
    s.write(frame);
    return;
  }
  const frames = pending.get(s);
  if (frames) frames.push(frame);
  else pending.set(s, [frame]);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url?.startsWith('/watch')) {
    res.socket?.setNoDelay(true);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    streams.add(res);
    res.on('close', () => {
      streams.delete(res);
      pending.delete(res);
    });
    return;
  }
  if (req.method === 'POST') {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const obj = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      const frame = Buffer.from(`${JSON.stringify({ type: 'ADDED', object: obj })}\n`, 'utf8');
      for (const s of streams) send(s, frame);
      const body = JSON.stringify(obj);
      res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
    return;
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 65_000;
server.requestTimeout = 0;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

serveParent(
  {
    streams: () => ({ open: streams.size }),
  },
  () =>
    new Promise<void>((resolve) => {
      for (const s of streams) s.end();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);
announceReady({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });

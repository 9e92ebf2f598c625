/**
 * The list baseline: bare node:http answering `JSON.stringify` of a list holding the very
 * objects the kit lists (read once from a file the parent wrote), serialized anew for every
 * request as the kit must. It also times JSON.stringify alone, in process, for the report.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceReady, childConfig, serveParent } from '../support/child-protocol.js';

const { itemsFile } = childConfig<{ itemsFile: string }>();
const list = JSON.parse(readFileSync(itemsFile, 'utf8')) as { metadata: unknown; items: unknown[] };

const server = createServer((req, res) => {
  const body = JSON.stringify({ apiVersion: 'demo.example.com/v1', kind: 'WidgetList', metadata: list.metadata, items: list.items });
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

serveParent(
  {
    stringifyOnly(m: { repeats: number }) {
      const times: number[] = [];
      for (let i = 0; i < m.repeats; i++) {
        const t0 = performance.now();
        JSON.stringify({ apiVersion: 'demo.example.com/v1', kind: 'WidgetList', metadata: list.metadata, items: list.items });
        times.push(performance.now() - t0);
      }
      return { times };
    },
  },
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);
announceReady({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, items: list.items.length });

/**
 * The Koa baseline: the same paths as the kit's Widget API, with @koa/router, doing the least
 * a JSON API can do for the same requests: a create reads and parses the body, refuses a taken
 * name, keeps the object in a Map and answers it as JSON; a get answers the stored object.
 * Everything the kit does beyond this (validation, defaults, metadata, resourceVersions,
 * watch events, content negotiation, Status errors) is what the ratios charge to the kit.
 */
import Router from '@koa/router';
import Koa from 'koa';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceReady, serveParent } from '../support/child-protocol.js';

const objects = new Map<string, unknown>();
const router = new Router();
const collection = '/apis/demo.example.com/v1/namespaces/:namespace/widgets';

router.post(collection, async (ctx) => {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  const obj = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { metadata: { name: string } };
  const key = `${ctx.params.namespace}/${obj.metadata.name}`;
  if (objects.has(key)) {
    ctx.status = 409;
    ctx.body = { kind: 'Status', reason: 'AlreadyExists' };
    return;
  }
  objects.set(key, obj);
  ctx.status = 201;
  ctx.body = obj;
});

router.get(`${collection}/:name`, (ctx) => {
  const obj = objects.get(`${ctx.params.namespace}/${ctx.params.name}`);
  if (obj === undefined) {
    ctx.status = 404;
    ctx.body = { kind: 'Status', reason: 'NotFound' };
    return;
  }
  ctx.body = obj;
});

const app = new Koa();
app.use(router.routes());
const server = createServer(app.callback());
server.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

serveParent(
  {
    // The very objects the kit serves, so a get answers the same JSON on both sides.
    load(m: { items: Array<{ metadata: { namespace: string; name: string } }> }) {
      for (const o of m.items) objects.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
      return { stored: objects.size };
    },
  },
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);
announceReady({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });

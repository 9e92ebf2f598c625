import type Router from '@koa/router';
import type { Context } from 'koa';
import { createHash } from 'node:crypto';
import {
  aggregatedContentType,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
} from '../discovery/discovery-documents.js';
import { negotiateDiscovery } from '../negotiation/discovery-format.js';
import { pathNotFound } from '../request/resource-path.js';
import type { ServedGroup } from '../discovery/served-groups.js';
import type { ServedIndex } from '../resources/served-index.js';
import { notModified, requireGet, sendJson } from './respond.js';

/**
 * The core group as discovery shows it when the server serves no core type: `v1` with no
 * resources, as kube-apiserver always has it. Discovery-driven clients (the Python dynamic
 * client) look kinds up under `/api/v1` before the groups and fail on a 404 there.
 */
const EMPTY_CORE: ServedGroup = { name: '', versions: [{ version: 'v1', resources: [] }] };

/**
 * `/api`, `/apis` (aggregated or legacy, by Accept), `/apis/{group}`, `/apis/{group}/{version}`
 * and `/api/{version}`. `/api` always lists core `v1` and `/api/v1` always answers (empty when
 * no core type is served).
 */
export function registerDiscoveryRoutes(router: Router, served: ServedIndex): void {
  const coreGroup = (): ServedGroup => served.group('') ?? EMPTY_CORE;
  router.all('/api', (ctx) => {
    requireGet(ctx);
    const core = coreGroup();
    const format = negotiateDiscovery(ctx.get('Accept'));
    if (format.aggregated) {
      return sendDiscovery(ctx, aggregatedDiscovery(core ? [core] : [], format.aggregated), aggregatedContentType(format.aggregated));
    }
    sendJson(ctx, apiVersions(core, ctx.host));
  });

  router.all('/apis', (ctx) => {
    requireGet(ctx);
    const groups = served.groups().filter((g) => g.name !== '');
    const format = negotiateDiscovery(ctx.get('Accept'));
    if (format.aggregated) {
      return sendDiscovery(ctx, aggregatedDiscovery(groups, format.aggregated), aggregatedContentType(format.aggregated));
    }
    sendJson(ctx, apiGroupList(groups));
  });

  router.all('/apis/:group', (ctx) => {
    requireGet(ctx);
    const group = ctx.params.group === '' ? undefined : served.group(ctx.params.group);
    if (!group) throw pathNotFound();
    sendJson(ctx, apiGroup(group));
  });

  const resourceList = (ctx: Context, groupName: string, version: string): void => {
    requireGet(ctx);
    const group = groupName === '' ? coreGroup() : served.group(groupName);
    const v = group?.versions.find((x) => x.version === version);
    if (!v) throw pathNotFound();
    sendJson(ctx, apiResourceList(groupName, version, v.resources));
  };
  router.all('/apis/:group/:version', (ctx) => {
    if (ctx.params.group === '') throw pathNotFound();
    resourceList(ctx, ctx.params.group, ctx.params.version);
  });
  router.all('/api/:version', (ctx) => resourceList(ctx, '', ctx.params.version));
}

function sendDiscovery(ctx: Context, body: object, contentType: string): void {
  const json = JSON.stringify(body);
  ctx.set('Vary', 'Accept');
  if (notModified(ctx, createHash('sha256').update(json).digest('hex'))) return;
  sendJson(ctx, json, contentType);
}

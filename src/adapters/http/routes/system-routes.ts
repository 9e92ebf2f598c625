import type Router from '@koa/router';
import type { Context } from 'koa';
import { serviceUnavailable } from '../../../domain/errors/api-error.js';
import { storageErrorToApi } from '../../../domain/registry/storage-errors.js';
import { isStorageError } from '../../../ports/object-store.port.js';
import type { ResourceApi } from '../../../ports/resource-api.port.js';
import type { ServedIndex } from '../resources/served-index.js';
import { pathNotFound } from '../request/resource-path.js';
import { runHealthChecks, runSingleCheck, type HealthCheck } from '../system/health-checks.js';
import type { VersionInfo } from '../system/version-info.js';
import { requireGet, sendJson, sendText } from './respond.js';

export interface SystemRouteDeps {
  api: ResourceApi;
  served: ServedIndex;
  version: VersionInfo;
  /** True once shutdown began: readyz fails from then on. */
  shuttingDown: () => boolean;
}

/** Paths reachable without credentials, as in Kubernetes' default RBAC for anonymous users. */
export const PUBLIC_PATHS = [/^\/(healthz|livez|readyz)(\/[^/]*)?$/, /^\/version\/?$/];

/** `/`, `/version`, `/healthz`, `/livez`, `/readyz` and their single checks. */
export function registerSystemRoutes(router: Router, deps: SystemRouteDeps): void {
  const ping: HealthCheck = { name: 'ping', check: async () => {} };
  const storage: HealthCheck = {
    name: 'storage',
    check: async () => {
      try {
        await deps.api.ready();
      } catch (err) {
        // A store's own condition (damaged, full, unavailable) in the words clients get; other failures withheld.
        throw isStorageError(err) ? storageErrorToApi(err, { group: '', resource: 'storage' }, '') : err;
      }
    },
    // Damaged data is skipped and the rest served: ready, with the problems named; and how full quotas are.
    note: async () => {
      const notes: string[] = [];
      const problems = deps.api.storageProblems?.() ?? [];
      if (problems.length > 0) {
        const shown = problems.slice(0, 5).join('; ');
        notes.push(`skipped damaged data (${problems.length}): ${shown}${problems.length > 5 ? '; ...' : ''}`);
      }
      for (const u of (await deps.api.storageUsage?.()) ?? []) {
        notes.push(`${u.store}: ${u.bytes} of the quota of ${u.quotaBytes} bytes used`);
      }
      return notes.length === 0 ? undefined : notes.join('; ');
    },
  };
  const shutdown: HealthCheck = {
    name: 'shutdown',
    check: async () => {
      if (deps.shuttingDown()) throw serviceUnavailable('the server is shutting down');
    },
  };
  const endpoints: Record<string, HealthCheck[]> = {
    livez: [ping],
    healthz: [ping, storage],
    readyz: [ping, storage, shutdown],
  };

  router.all('/', (ctx) => {
    requireGet(ctx);
    sendJson(ctx, { paths: indexPaths(deps.served, endpoints) });
  });
  router.all('/version', (ctx) => {
    requireGet(ctx);
    sendJson(ctx, deps.version);
  });
  for (const [endpoint, checks] of Object.entries(endpoints)) {
    router.all(`/${endpoint}`, async (ctx) => {
      requireGet(ctx);
      const report = await runHealthChecks(endpoint, checks, { verbose: ctx.query.verbose !== undefined, exclude: excluded(ctx) });
      sendText(ctx, report.text, 'text/plain; charset=utf-8', report.ok ? 200 : 500);
    });
    router.all(`/${endpoint}/:check`, async (ctx) => {
      requireGet(ctx);
      const report = await runSingleCheck(checks, ctx.params.check);
      if (!report) throw pathNotFound();
      sendText(ctx, report.text, 'text/plain; charset=utf-8', report.ok ? 200 : 500);
    });
  }
}

function excluded(ctx: Context): string[] {
  const v = ctx.query.exclude;
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).filter((x) => x !== '');
}

function indexPaths(served: ServedIndex, health: Record<string, HealthCheck[]>): string[] {
  const paths = new Set<string>(['/api', '/apis', '/openapi/v2', '/openapi/v3', '/version']);
  for (const g of served.groups()) {
    if (g.name === '') {
      for (const v of g.versions) paths.add(`/api/${v.version}`);
      continue;
    }
    paths.add(`/apis/${g.name}`);
    for (const v of g.versions) paths.add(`/apis/${g.name}/${v.version}`);
  }
  for (const [endpoint, checks] of Object.entries(health)) {
    paths.add(`/${endpoint}`);
    for (const c of checks) paths.add(`/${endpoint}/${c.name}`);
  }
  return [...paths].sort();
}

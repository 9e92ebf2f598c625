import type { Schema } from './meta-schemas.js';

/** Query and path parameters of Kubernetes operations, inline (clients read operation parameters by name). */

const query = (name: string, type: string, description: string, extra: Schema = {}): Schema => ({
  name,
  in: 'query',
  description,
  schema: { type, uniqueItems: true, ...extra },
});

export const PARAM = {
  name: {
    name: 'name',
    in: 'path',
    required: true,
    description: 'The name of the object.',
    schema: { type: 'string', uniqueItems: true },
  },
  namespace: {
    name: 'namespace',
    in: 'path',
    required: true,
    description: 'The namespace of the objects: a DNS label.',
    schema: { type: 'string', uniqueItems: true },
  },
  pretty: query('pretty', 'string', 'Accepted for compatibility; output is not indented.'),
  allowWatchBookmarks: query(
    'allowWatchBookmarks',
    'boolean',
    'Asks for BOOKMARK events, which carry only a resourceVersion the client may resume from. Ignored unless watching.',
  ),
  continue: query('continue', 'string', 'The continue token of the previous page, to read the next one.'),
  fieldSelector: query('fieldSelector', 'string', 'Selects objects by fields: `metadata.name=foo`, `metadata.namespace!=bar`.'),
  labelSelector: query('labelSelector', 'string', 'Selects objects by labels: `app=web`, `tier in (a,b)`, `!legacy`.'),
  limit: query('limit', 'integer', 'Most items returned at once; a `continue` token is set when more remain.'),
  resourceVersion: query(
    'resourceVersion',
    'string',
    'For a list, how recent the result must be; for a watch, the version to start after. `0` means any version.',
  ),
  resourceVersionMatch: query('resourceVersionMatch', 'string', 'How resourceVersion applies to a list: `Exact` or `NotOlderThan`.'),
  sendInitialEvents: query(
    'sendInitialEvents',
    'boolean',
    'Starts a watch with ADDED events for the current state, then a BOOKMARK marking their end. Needs allowWatchBookmarks.',
  ),
  timeoutSeconds: query('timeoutSeconds', 'integer', 'Ends the call (list or watch) after this many seconds.'),
  watch: query('watch', 'boolean', 'Streams changes (ADDED, MODIFIED, DELETED) instead of listing.'),
  dryRun: query('dryRun', 'string', 'When `All`, the request is checked and answered but nothing is persisted.'),
  fieldManager: query('fieldManager', 'string', 'The name of the actor making the change; required for apply patches.'),
  fieldValidation: query(
    'fieldValidation',
    'string',
    'What to do with unknown or duplicate fields: `Ignore` drops them, `Warn` (the default) drops them with a Warning header, `Strict` fails the request.',
  ),
  force: query('force', 'boolean', 'Apply patches only: take ownership of fields other managers own.'),
  gracePeriodSeconds: query('gracePeriodSeconds', 'integer', 'Seconds before the object is deleted; 0 deletes at once.'),
  orphanDependents: query('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy.'),
  propagationPolicy: query('propagationPolicy', 'string', 'How dependents are garbage collected: `Orphan`, `Background` or `Foreground`.'),
} satisfies Record<string, Schema>;

export const LIST_PARAMS = [
  PARAM.allowWatchBookmarks,
  PARAM.continue,
  PARAM.fieldSelector,
  PARAM.labelSelector,
  PARAM.limit,
  PARAM.resourceVersion,
  PARAM.resourceVersionMatch,
  PARAM.sendInitialEvents,
  PARAM.timeoutSeconds,
  PARAM.watch,
];
export const WRITE_PARAMS = [PARAM.dryRun, PARAM.fieldManager, PARAM.fieldValidation];
export const PATCH_PARAMS = [...WRITE_PARAMS, PARAM.force];
export const DELETE_PARAMS = [PARAM.dryRun, PARAM.gracePeriodSeconds, PARAM.orphanDependents, PARAM.propagationPolicy];

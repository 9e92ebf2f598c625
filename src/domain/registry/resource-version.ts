import { badRequest } from '../errors/api-error.js';

/**
 * resourceVersions are opaque to clients; in this kit they are the decimal revision of the
 * store. Parsing is only done where the API contract says they compare (list and watch
 * starting points, preconditions).
 */
export function parseResourceVersion(value: string | undefined, what = 'resourceVersion'): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(value)) {
    throw badRequest(`invalid ${what}: ${JSON.stringify(value)}: must be a non-negative integer`);
  }
  return Number(value);
}

export function formatResourceVersion(revision: number): string {
  return String(revision);
}

import { notAcceptable } from '../../../domain/errors/api-error.js';
import type { AggregatedVersion } from '../discovery/discovery-documents.js';
import { parseAccept } from './media-type.js';

/** Which discovery document a client asked for: aggregated (v2 or v2beta1) or the legacy one. */
export type DiscoveryFormat = { aggregated: AggregatedVersion } | { aggregated: false };

/**
 * Negotiates `/api` and `/apis`: the aggregated `APIGroupDiscoveryList` when the client lists it
 * (kubectl does, first), else the legacy JSON document. 406 when neither is acceptable.
 */
export function negotiateDiscovery(accept: string | undefined): DiscoveryFormat {
  const clauses = parseAccept(accept);
  if (clauses.length === 0) return { aggregated: false };
  for (const m of clauses) {
    if (m.type !== 'application/json' && m.type !== 'application/*' && m.type !== '*/*') continue;
    const as = m.params.as;
    if (as === undefined || as === '') return { aggregated: false };
    if (as === 'APIGroupDiscoveryList' && m.params.g === 'apidiscovery.k8s.io' && (m.params.v === 'v2' || m.params.v === 'v2beta1')) {
      return { aggregated: m.params.v };
    }
  }
  throw notAcceptable('only the following media types are accepted: application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
}

/** Whether an Accept header admits a plain JSON body (`/openapi/*`, `/version`). */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  const clauses = parseAccept(accept);
  return clauses.some((m) => (m.type === 'application/json' || m.type === 'application/*' || m.type === '*/*') && !m.params.as);
}

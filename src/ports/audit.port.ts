import type { RequestAttributes } from './authorizer.port.js';

/**
 * How much of a request an audit event records (audit.k8s.io/v1 Level), in increasing order:
 * nothing; the metadata (who, what, when, the outcome); also the request body; also the
 * response body.
 */
export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';

export const AUDIT_LEVELS: readonly AuditLevel[] = ['None', 'Metadata', 'Request', 'RequestResponse'];

/**
 * When in a request's life an event is written: on arrival (after authentication), when the
 * response headers of a long-running request (a watch) are sent, when the response is complete,
 * or when the server failed unexpectedly while serving it.
 */
export type AuditStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

export const AUDIT_STAGES: readonly AuditStage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

/** What the policy says about one request. */
export interface AuditDecision {
  level: AuditLevel;
  /** Stages for which no event is written. */
  omitStages: readonly AuditStage[];
  /** Leave `metadata.managedFields` out of the request and response objects. */
  omitManagedFields: boolean;
}

/**
 * Decides the audit level of a request from its attributes (the authenticated user, verb,
 * resource or path), as an audit.k8s.io/v1 Policy does. Pure and synchronous: it runs on every
 * request.
 */
export interface AuditPolicyEvaluator {
  evaluate(attributes: RequestAttributes): AuditDecision;
}

/** The user of an audit event (authentication.k8s.io/v1 UserInfo); empty when authentication failed. */
export interface AuditUser {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** The object a request is about (audit.k8s.io/v1 ObjectReference); empty fields are left out. */
export interface AuditObjectRef {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

/** The outcome of a request (a meta/v1 Status: only `code` on success). */
export interface AuditResponseStatus {
  metadata: Record<string, never>;
  status?: string;
  message?: string;
  reason?: string;
  details?: unknown;
  code: number;
}

/** One audit.k8s.io/v1 Event, as written to the audit log. */
export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: Exclude<AuditLevel, 'None'>;
  auditID: string;
  stage: AuditStage;
  /** The request URI; query values that could carry a credential are redacted. */
  requestURI: string;
  /** The request's verb as authorization sees it (get, list, watch, create, ..., or the lower-case method of a non-resource request). */
  verb: string;
  user: AuditUser;
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: AuditObjectRef;
  responseStatus?: AuditResponseStatus;
  /** The request body (level Request and above). */
  requestObject?: unknown;
  /** The response body (level RequestResponse; never for watches). */
  responseObject?: unknown;
  /** RFC 3339 with microseconds. */
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

/**
 * Where audit events go (a JSON-lines file with rotation, stdout). `write` is called in the
 * order events happen and must not throw; `close` flushes and releases the sink when the
 * server stops.
 */
export interface AuditSink {
  write(event: AuditEvent): void;
  close(): Promise<void>;
}

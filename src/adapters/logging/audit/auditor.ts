import { parse as parseYaml } from 'yaml';
import type { UserInfo } from '../../../domain/resource/strategy.js';
import { ANONYMOUS_USER, UNAUTHENTICATED_GROUP } from '../../../ports/authenticator.port.js';
import type {
  AuditDecision,
  AuditEvent,
  AuditObjectRef,
  AuditPolicyEvaluator,
  AuditResponseStatus,
  AuditSink,
  AuditStage,
  AuditUser,
} from '../../../ports/audit.port.js';
import type { ObservedRequest, RequestObservation, RequestObserver, RequestOutcome } from '../../../ports/request-observer.port.js';
import { safeUri } from '../request-log.js';

const ANONYMOUS: UserInfo = { username: ANONYMOUS_USER, groups: [UNAUTHENTICATED_GROUP] };

/**
 * The audit log's request observer: asks the policy for each request's level once the user is
 * known, and writes audit.k8s.io/v1 Events to the sink at each stage the policy does not omit:
 * RequestReceived after authentication, ResponseStarted when a watch begins to stream,
 * ResponseComplete (or Panic after an unexpected failure) at the end. A request that fails
 * authentication is audited at its end, with an empty user (rules naming users or groups do
 * not match it). Events carry metadata at every level, the request body from level Request on
 * and the response body at RequestResponse (never a watch's stream); headers never, so no
 * bearer token reaches the log, and credential-like query values are redacted.
 */
export interface AuditorOptions {
  /** Told the level the policy gave each request, None included (apiserver_audit_level_total). */
  onLevel?: (level: AuditDecision['level']) => void;
  /** Told about each event handed to the sink (apiserver_audit_event_total). */
  onEvent?: () => void;
  /** For tests: the time of each stage. Default now, with microseconds. */
  now?: () => string;
}

export class Auditor implements RequestObserver {
  private readonly now: () => string;

  constructor(
    private readonly policy: AuditPolicyEvaluator,
    private readonly sink: AuditSink,
    private readonly options: AuditorOptions = {},
  ) {
    this.now = options.now ?? microTime;
  }

  begin(req: ObservedRequest): RequestObservation {
    const received = this.now();
    let decision: AuditDecision | undefined;
    let user: AuditUser = {};
    const decide = (u: UserInfo | undefined, authenticated: boolean): AuditDecision => {
      if (decision) return decision;
      const who = authenticated ? (u ?? ANONYMOUS) : { username: '', groups: [] };
      user = authenticated ? auditUser(who) : {};
      decision = this.policy.evaluate({ ...req.attributes, user: who });
      this.options.onLevel?.(decision.level);
      return decision;
    };
    // What every stage's event repeats, made once.
    let common: Pick<AuditEvent, 'requestURI' | 'verb' | 'user' | 'sourceIPs' | 'userAgent' | 'objectRef'> | undefined;
    const emit = (stage: AuditStage, extra: Partial<AuditEvent> = {}): void => {
      const d = decision!;
      if (d.level === 'None' || d.omitStages.includes(stage)) return;
      common ??= {
        requestURI: safeUri(req.path, req.query),
        verb: req.attributes.verb,
        user,
        sourceIPs: sourceIPs(req),
        ...(req.userAgent !== '' ? { userAgent: req.userAgent } : {}),
        ...(req.attributes.resourceRequest ? { objectRef: objectRefOf(req) } : {}),
      };
      this.sink.write({
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        level: d.level,
        auditID: req.auditId,
        stage,
        ...common,
        ...extra,
        requestReceivedTimestamp: received,
        stageTimestamp: this.now(),
      });
      this.options.onEvent?.();
    };
    return {
      authenticated: (u) => {
        try {
          decide(u, true);
          emit('RequestReceived');
        } catch {
          // An observer must never throw.
        }
      },
      responseStarted: (code) => {
        if (!decision || decision.level === 'None' || !req.longRunning) return;
        try {
          emit('ResponseStarted', { responseStatus: { metadata: {}, code } });
        } catch {
          // An observer must never throw.
        }
      },
      end: (outcome: RequestOutcome) => {
        try {
          if (!decision) {
            // Refused before authentication was done (401): audited at the end only.
            decide(undefined, false);
            emit('RequestReceived');
          }
          if (decision!.level === 'None') return;
          this.complete(req, outcome, decision!, emit);
        } catch {
          // An observer must never throw; an event that cannot be built is not written.
        }
      },
    };
  }

  private complete(req: ObservedRequest, outcome: RequestOutcome, d: AuditDecision, emit: (stage: AuditStage, extra: Partial<AuditEvent>) => void): void {
    const extra: Partial<AuditEvent> = {};
    // The response body is read for RequestResponse, and for a failure's Status.
    const response = d.level === 'RequestResponse' || outcome.code >= 400 ? outcome.responseBody?.() : undefined;
    const responseObject = response ? decode(response.body, response.contentType) : undefined;
    extra.responseStatus = responseStatus(outcome.code, responseObject);
    let requestObject: unknown;
    const body = outcome.requestBody;
    if (body && body.length > 0 && (d.level !== 'Metadata' || (req.attributes.verb === 'create' && req.attributes.name === ''))) {
      requestObject = decode(body, req.contentType);
    }
    const ref = objectRefOf(req);
    if (ref && req.attributes.verb === 'create' && isObject(requestObject)) {
      // As kube-apiserver completes the reference from the object created.
      const meta = isObject(requestObject.metadata) ? requestObject.metadata : {};
      if (!ref.name && typeof meta.name === 'string' && meta.name !== '') ref.name = meta.name;
      if (!ref.namespace && typeof meta.namespace === 'string' && meta.namespace !== '') ref.namespace = meta.namespace;
      extra.objectRef = ref;
    }
    if (d.level !== 'Metadata' && requestObject !== undefined) extra.requestObject = d.omitManagedFields ? withoutManagedFields(requestObject) : requestObject;
    if (d.level === 'RequestResponse' && responseObject !== undefined && !req.longRunning) {
      extra.responseObject = d.omitManagedFields ? withoutManagedFields(responseObject) : responseObject;
    }
    const a = outcome.authorization;
    if (a) {
      extra.annotations = { 'authorization.k8s.io/decision': a.decision === 'allow' ? 'allow' : 'forbid' };
      extra.annotations['authorization.k8s.io/reason'] = a.reason ?? '';
    }
    emit(outcome.panicked ? 'Panic' : 'ResponseComplete', extra);
  }
}

/** Now, as metav1.MicroTime writes it: RFC 3339 in UTC with microseconds. */
export function microTime(): string {
  const ms = performance.timeOrigin + performance.now();
  const whole = Math.floor(ms);
  const micros = Math.min(999, Math.floor((ms - whole) * 1000));
  // The text up to the milliseconds is the same for every call in one millisecond.
  if (whole !== lastMs) {
    lastMs = whole;
    lastPrefix = new Date(whole).toISOString().slice(0, -1);
  }
  return `${lastPrefix}${micros < 10 ? '00' : micros < 100 ? '0' : ''}${micros}Z`;
}

let lastMs = -1;
let lastPrefix = '';

function auditUser(u: UserInfo): AuditUser {
  const out: AuditUser = { username: u.username };
  if (u.uid) out.uid = u.uid;
  if (u.groups?.length) out.groups = [...u.groups];
  if (u.extra && Object.keys(u.extra).length > 0) out.extra = u.extra;
  return out;
}

/** As Kubernetes' SourceIPs: the X-Forwarded-For chain, X-Real-Ip, then the peer, each once. */
function sourceIPs(req: ObservedRequest): string[] {
  const ips: string[] = [];
  const add = (ip: string): void => {
    const v = ip.trim();
    if (v !== '' && !ips.includes(v) && ips.length < 32) ips.push(v);
  };
  for (const ip of req.forwardedFor.split(',')) add(ip);
  add(req.realIp);
  add(req.remoteAddress.startsWith('::ffff:') ? req.remoteAddress.slice(7) : req.remoteAddress);
  return ips;
}

function objectRefOf(req: ObservedRequest): AuditObjectRef | undefined {
  const a = req.attributes;
  if (!a.resourceRequest) return undefined;
  const ref: AuditObjectRef = {};
  if (a.resource) ref.resource = a.resource;
  if (a.namespace) ref.namespace = a.namespace;
  if (a.name) ref.name = a.name;
  if (a.apiGroup) ref.apiGroup = a.apiGroup;
  if (a.apiVersion) ref.apiVersion = a.apiVersion;
  if (a.subresource) ref.subresource = a.subresource;
  return ref;
}

/** The outcome: the code on success; a failure's Status fields as the client got them. */
function responseStatus(code: number, body: unknown): AuditResponseStatus {
  if (code < 400 || !isObject(body) || body.kind !== 'Status') return { metadata: {}, code };
  const s: AuditResponseStatus = { metadata: {}, code };
  if (typeof body.status === 'string') s.status = body.status;
  if (typeof body.message === 'string') s.message = body.message;
  if (typeof body.reason === 'string') s.reason = body.reason;
  if (body.details !== undefined) s.details = body.details;
  return s;
}

/** A JSON or YAML body as an object; anything else (or unreadable) is left out. */
function decode(body: unknown, contentType: string): unknown {
  let text: string;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array) text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  else return undefined;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  try {
    if (type.endsWith('json') || type === '') return JSON.parse(text);
    if (type.endsWith('yaml')) return parseYaml(text);
  } catch {
    return undefined;
  }
  return undefined;
}

function withoutManagedFields(obj: unknown): unknown {
  if (!isObject(obj)) return obj;
  let out = obj;
  if (isObject(obj.metadata) && 'managedFields' in obj.metadata) {
    const { managedFields: _drop, ...meta } = obj.metadata;
    out = { ...obj, metadata: meta };
  }
  if (Array.isArray(out.items)) out = { ...out, items: out.items.map(withoutManagedFields) };
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

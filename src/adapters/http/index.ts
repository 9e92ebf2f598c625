/** The HTTP adapter: the Kubernetes wire protocol over Koa, and its TLS helper. */
export {
  HttpTransport,
  HTTP_TRANSPORT,
  HTTP_TRANSPORT_OPTIONS,
  type HttpTransportOptions,
  type RequestListener,
} from './http-transport.js';
export { DEFAULT_MAX_BODY_BYTES } from './request/body-reader.js';
export type { VersionInfo } from './system/version-info.js';
export type { OpenApiInfo } from './openapi/openapi-v3-document.js';
export {
  ensureServingCertificate,
  type ServingCertificate,
  type ServingCertificateOptions,
} from './tls/serving-certificate.js';

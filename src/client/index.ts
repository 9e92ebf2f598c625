/**
 * apiserver-kit/client: a typed client over HTTP for any Kubernetes-compatible server that
 * serves the types, from the same definitions the server is built from.
 */
export * from '../adapters/http-client/index.js';
export { ApiError, isApiError, type StatusReason } from '../domain/errors/api-error.js';

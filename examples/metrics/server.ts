/**
 * A metrics server: one handler-backed, read-only type and no storage at all.
 *
 *   npx tsx examples/metrics/server.ts --secure-port 6444 --write-kubeconfig .apiserver-kit/metrics.kubeconfig
 *   KUBECONFIG=.apiserver-kit/metrics.kubeconfig kubectl get coremetrics
 */
import { ServerBuilder } from 'apiserver-kit';
import { CoreMetrics, coreMetricsHandler } from './core-metrics.js';

/** What this server serves; the test starts the same with apiserver-kit/testing's startServer. */
export function withCoreMetrics(b: ServerBuilder): ServerBuilder {
  return b.withResourceAndHandler(CoreMetrics, coreMetricsHandler).withOpenApiInfo({ title: 'core metrics', version: '1.0.0' });
}

// Run as a program (not when a test imports it): no top-level await, so the module also loads through require().
if (import.meta.url === `file://${process.argv[1]}`) {
  void withCoreMetrics(new ServerBuilder())
    .executeCommand(process.argv.slice(2))
    .then((code) => process.exit(code));
}

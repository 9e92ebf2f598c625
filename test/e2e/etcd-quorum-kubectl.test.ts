/**
 * The real kubectl against an example-server process on a 3-member etcd cluster that lost
 * quorum, with the store's default etcd deadline (no `?timeout=`). kube-apiserver answers a
 * storage failure without Retry-After; so must this server, or client-go retries each 503 up
 * to 10 times and `kubectl create` hangs for its whole --request-timeout (40 s were measured)
 * instead of failing. Here kubectl must fail within 15 s with a clear message, and the server's
 * log must have a line naming the etcd failure behind each failed request.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdCluster } from '../support/etcd/etcd-cluster.js';
import { uniquePrefix } from '../support/etcd/etcd-test-stores.js';
import { onInterrupt, startServer, type StartedServer, widget } from './support/etcd-servers.js';
import { KubectlSession } from './support/kubectl.js';

/** What "fails fast" means for a user at a terminal. */
const FAIL_WITHIN_MS = 15_000;
/** The request timeout the hang was measured with: long enough to show a retry loop. */
const REQUEST_TIMEOUT = '40s';

describe('e2e: kubectl against a server whose etcd lost quorum', function () {
  this.timeout(180_000);
  let cluster: EtcdCluster;
  let unregister: (() => void) | undefined;
  let dir: string;
  let server: StartedServer | undefined;
  let kubectl: KubectlSession;

  before(async function () {
    this.timeout(300_000); // the first run may install etcd and kubectl
    cluster = await EtcdCluster.start({ size: 3 });
    unregister = onInterrupt(() => cluster.members.forEach((m) => void m.kill()));
    dir = await mkdtemp(join(tmpdir(), 'apiserver-kit-e2e-quorum-kubectl-'));
    server = await startServer({ storage: `etcd:${cluster.endpoints.join(',')}?prefix=${uniquePrefix('quorum-kubectl')}`, dir });
    const { url, token, ca } = server.server;
    kubectl = await KubectlSession.create({ server: url, token, ca });
    // With quorum: kubectl works (and caches discovery, as a user's kubectl has).
    await kubectl.ok(['create', '-f', '-'], { input: JSON.stringify(widget('before')) });
    expect(await kubectl.ok(['get', 'widgets', '-o', 'name'])).to.contain('widget.demo.example.com/before');
  });

  after(async () => {
    await server?.server.stop().catch(() => undefined);
    await kubectl?.dispose();
    await cluster?.stop();
    unregister?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('fails kubectl create and kubectl get within 15 s with a ServiceUnavailable error, and logs the etcd failure', async () => {
    await cluster.kill(0);
    await cluster.kill(1);

    const logBefore = server!.server.output().length;
    const timed = async (args: string[], input?: string) => {
      const started = Date.now();
      const result = await kubectl.run(['--request-timeout', REQUEST_TIMEOUT, ...args], { input, timeoutMs: 90_000 });
      return { ...result, ms: Date.now() - started };
    };
    const create = await timed(['create', '-f', '-'], JSON.stringify(widget('during')));
    const get = await timed(['get', 'widgets', 'before']);

    for (const [what, r] of Object.entries({ create, get })) {
      const seen = `kubectl ${what}: exit ${r.code} after ${r.ms} ms\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
      expect(r.code, seen).to.not.equal(0);
      expect(r.ms, seen).to.be.below(FAIL_WITHIN_MS);
      expect(r.stderr, seen).to.match(/Error from server \(ServiceUnavailable\): (error when creating "STDIN": )?the storage backend is unavailable$/m);
      // Short and free of internals: no etcd endpoint, key or gRPC text reaches the user.
      expect(r.stderr, seen).not.to.match(/127\.0\.0\.1|etcd|grpc|deadline/i);
    }

    const log = server!.server.output().slice(logBefore);
    const failed = log.split('\n').filter((l) => /failed (POST|GET) \/apis\/demo\.example\.com\/v1\/namespaces\/default\/widgets/.test(l));
    // One line per request the server answered 503: kubectl did not retry, so one create and one get.
    expect(failed, log).to.have.length(2);
    for (const line of failed) expect(line, log).to.match(/503 ServiceUnavailable: the storage backend is unavailable; cause: Unavailable: etcd: /);
    expect(log, 'a stack trace for an expected storage failure').not.to.match(/\n\s+at /);
    console.log(`      kubectl create failed in ${create.ms} ms, kubectl get in ${get.ms} ms; the server logged: ${failed[0]}`);
  });
});

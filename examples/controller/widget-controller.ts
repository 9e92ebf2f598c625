/**
 * A controller that keeps each Widget's status in step with its spec: an informer tells a
 * work queue which widgets changed, and one reconcile loop writes their status. It talks to
 * any server that serves Widgets, over HTTPS.
 *
 *   npx tsx examples/controller/widget-controller.ts .apiserver-kit/kubeconfig
 */
import { connect, enqueueKeys, SharedInformerFactory, splitKey, WorkQueue, runWorker, type Client } from 'apiserver-kit/client';
import { Widget } from '../demo/widget.resource.js';

export interface RunningController {
  /** Resolves once the informer has synced. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/** Starts the controller on `client`; stop() shuts the queue down and stops the informer. */
export function runWidgetController(client: Client, onError: (err: unknown) => void = console.error): RunningController {
  const factory = new SharedInformerFactory(client, { onError });
  const widgets = factory.forResource(Widget);
  const queue = new WorkQueue<string>();
  widgets.addEventHandler(enqueueKeys(queue));
  factory.start();

  // The reconcile loop: read the cached widget, write its status when it is behind.
  const worker = runWorker(queue, async (key) => {
    const { namespace, name } = splitKey(key);
    const widget = widgets.lister.get(name, namespace);
    if (!widget || widget.metadata.deletionTimestamp) return;
    const replicas = widget.spec.replicas;
    if (widget.status?.replicas === replicas && widget.status.conditions?.some((c) => c.type === 'Ready')) return;
    const ready = { type: 'Ready', status: 'True' as const, reason: 'Reconciled', message: `${replicas} replicas` };
    await client.resource(Widget, namespace).status.mergePatch(name, { status: { replicas, conditions: [ready] } });
  }, (key, err) => onError(new Error(`gave up on ${key}: ${String(err)}`)));

  return {
    ready: factory.waitForSync(),
    async stop() {
      queue.shutDown();
      await worker;
      await factory.stop();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const client = connect({ kubeconfig: process.argv[2] ?? process.env.KUBECONFIG ?? '.apiserver-kit/kubeconfig' });
  const controller = runWidgetController(client);
  void controller.ready.then(() => console.log('widget controller running; Ctrl-C stops it'));
  process.once('SIGINT', () => void controller.stop().then(() => client.close()));
}

export { connect, Client, type ConnectOptions } from './connect.js';
export { HttpResourceClient, type HttpScale, type HttpWatch, type ListWatchClient, type ResourceClientOf } from './resource-client.js';
export { ResponseDecodeError } from './decode.js';
export { readKubeconfig, type ConnectionSettings } from './kubeconfig.js';
export { WorkQueue, runWorker, type WorkQueueOptions } from './work-queue.js';
export {
  Informer,
  Lister,
  SharedInformerFactory,
  enqueueKeys,
  informer,
  keyOf,
  splitKey,
  type EventHandler,
  type HandlerOptions,
  type HandlerRegistration,
  type InformerOptions,
  type InformerStats,
  type ListQuery,
  type ListerWatcher,
  type ResourceSource,
} from './informer.js';

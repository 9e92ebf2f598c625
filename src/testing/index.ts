/**
 * apiserver-kit/testing: the object-store contract suite (for mocha: it calls describe/it), a
 * manual clock, waiting helpers, and a server on a free port with its kubeconfig.
 */
// ServerBuilder's Inversify decorators need the Reflect metadata polyfill first.
import 'reflect-metadata';
export { describeObjectStoreContract, type OpenedStore, type StoreFactory } from './object-store-contract.js';
export { ManualClock } from './manual-clock.js';
export { Signal, waitFor, type WaitOptions } from './wait-for.js';
export { startServer, type StartedServer } from './test-server.js';

/** apiserver-kit/storage/etcd: etcd v3 (needs the optional peer dependency etcd3). */
// The store class carries Inversify decorators: the Reflect metadata polyfill comes first.
import 'reflect-metadata';
export * from '../adapters/storage/etcd/index.js';

import type { KubeObject } from '../domain/meta/types.js';
import type { ResourceHandler, SubresourceHandler } from '../domain/registry/handler-endpoint.js';
import type { RegistryOptions } from '../domain/registry/registry-environment.js';
import type { ResourceDefinition } from '../domain/resource/resource-definition.js';
import type { Clock } from '../ports/clock.port.js';
import type { IdSource } from '../ports/id-source.port.js';
import type { ObjectStore } from '../ports/object-store.port.js';

export interface OutputWriter {
  write(text: string): unknown;
}

/** Where one type's objects live. */
export type ResourceStorage =
  | { kind: 'default' }
  | { kind: 'memory' }
  | { kind: 'spec'; spec: string }
  | { kind: 'store'; store: ObjectStore }
  | { kind: 'handler'; handler: ResourceHandler };

export interface ResourceRegistration {
  definition: ResourceDefinition;
  storage: ResourceStorage;
}

export interface SubresourceRegistration {
  definition: ResourceDefinition;
  name: string;
  handler: SubresourceHandler<KubeObject>;
}

/** The default store: a --storage spec or a store object. */
export type StorageChoice = string | ObjectStore;

export type TlsConfig =
  | { kind: 'self-signed'; certDir: string }
  | { kind: 'files'; certFile: string; keyFile: string }
  | { kind: 'none' };

/** Everything the builder and the command line decide; read by the composition root. */
export interface ServerConfig {
  resources: ResourceRegistration[];
  subresourceHandlers: SubresourceRegistration[];
  defaultStorage: StorageChoice;
  bindAddress: string;
  bindPort: number;
  bearerTokens: Array<{ token: string; username: string }>;
  tls: TlsConfig;
  openApiInfo: { title: string; version: string; description?: string };
  output: OutputWriter;
  registryOptions: Partial<RegistryOptions>;
  clock?: Clock;
  ids?: IdSource;
}

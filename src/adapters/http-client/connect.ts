import type { ResourceDefinition } from '../../domain/resource/resource-definition.js';
import { readKubeconfig } from './kubeconfig.js';
import { HttpResourceClient, type ResourceClientOf } from './resource-client.js';
import { Transport } from './transport.js';

export type ConnectOptions = (
  | {
      /** A kubeconfig path, or its YAML text; with `context`, that context instead of the current one. */
      kubeconfig: string;
      context?: string;
    }
  | { url: string; token?: string; ca?: string; cert?: string; key?: string; insecureSkipTlsVerify?: boolean; namespace?: string }
) & {
  userAgent?: string;
  /** Called with each warning the server sends (unknown fields, deprecated versions). */
  onWarning?: (warning: string) => void;
};

/** A connection to a Kubernetes-compatible API server, speaking only its public wire protocol. */
export class Client {
  constructor(
    private readonly transport: Transport,
    /** The namespace of the kubeconfig's context: item verbs of namespaced types use it when nothing else names one. */
    readonly defaultNamespace: string,
  ) {}

  /**
   * A typed client for one type (one version of it: `Widget.forVersion('v1alpha1')`). With a
   * namespace, every verb is scoped to it; without, lists and watches span all namespaces and
   * item verbs use the object's namespace or the default one.
   */
  resource<R extends ResourceDefinition<any, any>>(def: R, namespace?: string): ResourceClientOf<R> {
    return new HttpResourceClient(this.transport, def, namespace, this.defaultNamespace);
  }

  /** Closes idle connections (watches close on their own close()). */
  close(): void {
    this.transport.close();
  }
}

export function connect(options: ConnectOptions): Client {
  const settings = 'kubeconfig' in options ? readKubeconfig(options.kubeconfig, options.context) : { namespace: 'default', ...options };
  const transport = new Transport({ ...settings, userAgent: options.userAgent, onWarning: options.onWarning });
  return new Client(transport, settings.namespace ?? 'default');
}

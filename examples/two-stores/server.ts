/**
 * One server, two backing stores, composed in this one bootstrap file: Widgets are kept in a
 * SQLite file and survive restarts; Gadgets live in memory (a cache of something else, say)
 * and start empty each time. Each store has its own resourceVersion sequence.
 *
 *   npx tsx examples/two-stores/server.ts --secure-port 6445 --write-kubeconfig .apiserver-kit/two.kubeconfig
 */
import { join } from 'node:path';
import { ServerBuilder } from 'apiserver-kit';
import { Gadget, Widget } from '../demo/widget.resource.js';

/** Widgets on SQLite in `dataDir`, Gadgets in memory. */
export function withTwoStores(b: ServerBuilder, dataDir: string): ServerBuilder {
  return b
    .withResourceStorage(Widget, `sqlite:${join(dataDir, 'widgets.db')}`)
    .withResourceMemoryStorage(Gadget)
    .withOpenApiInfo({ title: 'two stores', version: '1.0.0' });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = withTwoStores(new ServerBuilder(), process.env.DATA_DIR ?? '.apiserver-kit');
  void server.executeCommand(process.argv.slice(2)).then((code) => process.exit(code));
}

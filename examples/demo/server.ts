/**
 * The example server's bootstrap file: declare what is served and on which storage, then
 * hand over to the command line (`--secure-port`, `--storage`, `--write-kubeconfig`, ...).
 *
 *   npm start                                  # serves on https://127.0.0.1:6443
 *   KUBECONFIG=.apiserver-kit/kubeconfig kubectl get widgets
 */
import { ServerBuilder } from 'apiserver-kit';
import { Gadget, Widget } from './widget.resource.js';

const exitCode = await new ServerBuilder()
  .withResource(Widget)
  .withResource(Gadget)
  .withOpenApiInfo({ title: 'apiserver-kit demo', version: '1.0.0' })
  .executeCommand(process.argv.slice(2));
process.exit(exitCode);

/** `--tls-sans` (withServingHosts): the self-signed serving certificate is valid for a Service name. */
import { expect } from 'chai';
import { connect } from 'node:tls';
import { Widget } from '../../examples/demo/widget.resource.js';
import { startTestServer, type TestServer } from './support/test-server.js';

function handshake(server: TestServer, servername: string): Promise<string | undefined> {
  const url = new URL(server.url);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), servername, ca: server.ca }, () => {
      socket.end();
      resolve(undefined);
    });
    socket.on('error', (err) => resolve(err.message));
  });
}

describe('e2e: serving certificate hosts', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer((b) => b.withResource(Widget).withServingHosts(['demo-api.demo.svc', '10.96.0.7']));
  });
  after(async () => server?.stop());

  it('verifies through the Service name, still through localhost, and not through another name', async () => {
    expect(await handshake(server, 'demo-api.demo.svc')).to.equal(undefined);
    expect(await handshake(server, 'localhost')).to.equal(undefined);
    expect(await handshake(server, 'other.demo.svc')).to.match(/does not match|altnames/i);
  });
});

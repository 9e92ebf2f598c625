/**
 * A TCP proxy in front of one etcd member that can stall: while stalled it accepts connections
 * but neither forwards nor answers them, as a restarted etcd 3.4 member does until it has
 * rejoined its cluster (it listens at once but serves gRPC only after publishing itself through
 * raft, which can take seconds). When the stall ends, held connections are forwarded. A member
 * that is down refuses nothing here: the proxy accepts and closes the connection at once.
 */
import { type Server, type Socket, connect, createServer } from 'node:net';

export class StallingProxy {
  private stalled = false;
  private held: Socket[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly target: number,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Listens on a free 127.0.0.1 port, forwarding to `targetPort` there. */
  static async start(targetPort: number): Promise<StallingProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new StallingProxy(server, targetPort);
  }

  get url(): string {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Holds new connections (and closes every open one, as a restart of the member does). */
  stall(): void {
    this.stalled = true;
    for (const s of this.sockets) if (!this.held.includes(s)) s.destroy();
  }

  /** Forwards held and new connections again. */
  release(): void {
    this.stalled = false;
    const held = this.held;
    this.held = [];
    for (const client of held) this.forward(client);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    if (this.stalled) {
      client.pause();
      this.held.push(client);
    } else {
      this.forward(client);
    }
  }

  private forward(client: Socket): void {
    if (client.destroyed) return;
    const upstream = connect(this.target, '127.0.0.1');
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('connect', () => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  }
}

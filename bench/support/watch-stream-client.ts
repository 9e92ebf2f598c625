import { connect, type Socket } from 'node:net';

const FRAME_START = Buffer.from('{"type":"');
const ADDED = Buffer.from('{"type":"ADDED"');
const ERROR = Buffer.from('{"type":"ERROR"');
const NAME = Buffer.from('"name":"ev-');
const NEWLINE = 0x0a;

/**
 * One watcher over a raw keep-alive socket: sends the watch request, waits for the response
 * head, then scans the chunked stream for event frames (`{"type":...}` up to its newline)
 * without decoding or parsing them: a hundred watchers in the load generator's process must
 * cost far less than serving them does. Counts ADDED events, and when asked, reads the
 * `ev-N` name of each to time it against when write N was sent.
 */
export class WatchStreamClient {
  added = 0;
  errors = 0;
  /** performance.now() of the newest ADDED event. */
  lastEventAt = 0;
  private readonly socket: Socket;
  private carry: Buffer | undefined;
  private headSeen = false;
  private readonly head: Promise<number>;
  private onHead!: (status: number) => void;
  private onHeadError!: (err: Error) => void;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  /**
   * @param onEvent called with the `N` of an `ev-N` object name and the time it arrived, for
   *   latency measurements; leave undefined to only count.
   */
  constructor(port: number, path: string, private readonly onEvent?: (seq: number, at: number) => void) {
    this.head = new Promise((resolve, reject) => {
      this.onHead = resolve;
      this.onHeadError = reject;
    });
    this.socket = connect({ port, host: '127.0.0.1', noDelay: true });
    this.socket.on('connect', () => this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n`));
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.onHeadError(err));
    this.socket.on('close', () => this.onHeadError(new Error('watch connection closed')));
  }

  /** Resolves with the response status once the head is in (the watch is then registered). */
  started(): Promise<number> {
    return this.head;
  }

  /** Resolves once `count` ADDED events have arrived. */
  receivedAll(count: number): Promise<void> {
    if (this.added >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const now = performance.now();
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = undefined;
    let pos = 0;
    if (!this.headSeen) {
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) {
        this.carry = Buffer.from(data);
        return;
      }
      this.headSeen = true;
      this.onHead(Number(data.toString('latin1', 9, 12)));
      pos = end + 4;
    }
    for (;;) {
      const start = data.indexOf(FRAME_START, pos);
      if (start < 0) {
        // Keep a tail that may be the beginning of a frame start split across packets.
        const keep = Math.max(pos, data.length - FRAME_START.length + 1);
        if (keep < data.length) this.carry = Buffer.from(data.subarray(keep));
        break;
      }
      const end = data.indexOf(NEWLINE, start);
      if (end < 0) {
        this.carry = Buffer.from(data.subarray(start));
        break;
      }
      if (data.compare(ADDED, 0, ADDED.length, start, start + ADDED.length) === 0) {
        this.added++;
        this.lastEventAt = now;
        if (this.onEvent) {
          const at = data.indexOf(NAME, start);
          if (at >= 0 && at < end) {
            let seq = 0;
            for (let i = at + NAME.length; i < end; i++) {
              const c = data[i]!;
              if (c < 0x30 || c > 0x39) break;
              seq = seq * 10 + (c - 0x30);
            }
            this.onEvent(seq, now);
          }
        }
      } else if (data.compare(ERROR, 0, ERROR.length, start, start + ERROR.length) === 0) {
        this.errors++;
      }
      pos = end + 1;
    }
    if (this.waiters.length) {
      this.waiters = this.waiters.filter((w) => {
        if (this.added < w.count) return true;
        w.resolve();
        return false;
      });
    }
  }
}

import { connect, type Socket } from 'node:net';

/** One HTTP/1.1 response as the load generator sees it. */
export interface RawResponse {
  status: number;
  /** Body bytes (after de-chunking); only kept when the request asked for it. */
  body: Buffer | undefined;
  bodyLength: number;
}

const CRLF_CRLF = Buffer.from('\r\n\r\n');

/**
 * A keep-alive HTTP/1.1 connection that sends prebuilt request bytes and parses only what it
 * must (status, Content-Length or chunked framing). The load generator is in the same kind of
 * process as the servers it measures on a small machine, so its per-request cost has to be far
 * below theirs: `http.request` spends more per request than a bare Koa handler does, and would
 * make every server look alike. One request at a time (no pipelining), as clients do.
 */
export class RawHttpConnection {
  private readonly socket: Socket;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private pending: { resolve: (r: RawResponse) => void; reject: (e: Error) => void; keepBody: boolean } | undefined;
  private state: ParseState | undefined;
  private failure: Error | undefined;
  private readonly connected: Promise<void>;

  constructor(port: number, host = '127.0.0.1') {
    this.socket = connect({ port, host, noDelay: true });
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  ready(): Promise<void> {
    return this.connected;
  }

  /** Sends one request and resolves with its response. */
  request(bytes: Buffer, keepBody = false): Promise<RawResponse> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('one request at a time'));
    return new Promise<RawResponse>((resolve, reject) => {
      this.pending = { resolve, reject, keepBody };
      this.state = { phase: 'head' };
      this.socket.write(bytes);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(err);
  }

  private onData(chunk: Buffer): void {
    if (!this.pending || !this.state) return;
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    try {
      this.parse();
    } catch (err) {
      this.fail(err as Error);
      this.socket.destroy();
    }
  }

  private parse(): void {
    const st = this.state!;
    if (st.phase === 'head') {
      const data = this.take();
      const end = data.indexOf(CRLF_CRLF);
      if (end < 0) return this.putBack(data);
      const head = data.toString('latin1', 0, end);
      const status = Number(head.slice(9, 12));
      const lower = head.toLowerCase();
      const cl = /\r\ncontent-length:\s*(\d+)/.exec(lower);
      const chunked = /\r\ntransfer-encoding:[^\r]*chunked/.test(lower);
      this.putBack(data.subarray(end + 4));
      if (chunked) this.state = { phase: 'chunked', status, parts: [], length: 0, chunkLeft: -1 };
      else this.state = { phase: 'fixed', status, want: cl ? Number(cl[1]) : 0 };
      return this.parse();
    }
    if (st.phase === 'fixed') {
      if (this.bufferedBytes < st.want) return;
      const data = this.take();
      this.finish(st.status, data.subarray(0, st.want), st.want);
      return;
    }
    // Chunked: size line, data, CRLF; a zero size (then CRLF) ends the body.
    for (;;) {
      const data = this.take();
      if (st.chunkLeft < 0) {
        const eol = data.indexOf('\r\n');
        if (eol < 0) return this.putBack(data);
        const size = parseInt(data.toString('latin1', 0, eol), 16);
        if (Number.isNaN(size)) throw new Error('bad chunk size');
        if (size === 0) {
          if (data.length < eol + 4) return this.putBack(data);
          this.putBack(data.subarray(eol + 4));
          this.finish(st.status, Buffer.concat(st.parts), st.length);
          return;
        }
        st.chunkLeft = size + 2;
        this.putBack(data.subarray(eol + 2));
        continue;
      }
      // Consume what has arrived of this chunk, so a large chunk is not re-concatenated per packet.
      if (data.length === 0) return;
      const dataLeft = Math.max(0, st.chunkLeft - 2);
      const take = Math.min(data.length, st.chunkLeft);
      const dataPart = Math.min(take, dataLeft);
      if (this.pending!.keepBody && dataPart > 0) st.parts.push(Buffer.from(data.subarray(0, dataPart)));
      st.length += dataPart;
      st.chunkLeft -= take;
      this.putBack(data.subarray(take));
      if (st.chunkLeft === 0) st.chunkLeft = -1;
      else return;
    }
  }

  private finish(status: number, body: Buffer, length: number): void {
    const p = this.pending!;
    this.pending = undefined;
    this.state = undefined;
    this.buffered = [];
    this.bufferedBytes = 0;
    p.resolve({ status, body: p.keepBody ? Buffer.from(body) : undefined, bodyLength: length });
  }

  private take(): Buffer {
    const data = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered, this.bufferedBytes);
    this.buffered = [];
    this.bufferedBytes = 0;
    return data;
  }

  private putBack(data: Buffer): void {
    if (data.length === 0) return;
    this.buffered.unshift(data);
    this.bufferedBytes += data.length;
  }
}

type ParseState =
  | { phase: 'head' }
  | { phase: 'fixed'; status: number; want: number }
  | { phase: 'chunked'; status: number; parts: Buffer[]; length: number; chunkLeft: number };

/** The bytes of one request; bodies are JSON. */
export function requestBytes(method: string, path: string, body?: string): Buffer {
  if (body === undefined) {
    return Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n`, 'latin1');
  }
  const payload = Buffer.from(body, 'utf8');
  const head = Buffer.from(
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`,
    'latin1',
  );
  return Buffer.concat([head, payload]);
}

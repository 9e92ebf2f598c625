import type { ServerResponse } from 'node:http';
import { serviceUnavailable } from '../../../domain/errors/api-error.js';
import { statusFromError } from '../../../domain/errors/status.js';
import type { WatchEvent } from '../../../domain/meta/types.js';
import type { WatchStream } from '../../../ports/resource-api.port.js';
import { contentTypeOf, type OutputFormat } from '../negotiation/output-format.js';
import type { TransformContext } from '../response/output-transform.js';
import { WatchEventEncoder } from './watch-event-encoder.js';

interface OpenWatch {
  stream: WatchStream;
  res: ServerResponse;
  done: Promise<void>;
  /** Frames of this event-loop turn not written yet, and their size. */
  frames: Buffer[];
  bytes: number;
}

/** Frames held for the end of a turn are written at once when they reach this size. */
const TURN_BYTES = 64 * 1024;

/** How long closeAll() lets a client read what is buffered before its connection is cut. */
const CLOSE_GRACE_MS = 2000;

/**
 * Streams watch events to HTTP clients: chunked, one JSON event per line, headers flushed at
 * once (informers wait for them before they report started). A slow client is not written to
 * while its socket buffer is full; a client that goes away closes its stream. Keeps every open
 * watch so that shutdown can end them all.
 */
export class WatchStreamer {
  private readonly open = new Set<OpenWatch>();
  private readonly encoder = new WatchEventEncoder();
  private closing = false;
  /** Watches with frames waiting for the end of the turn. */
  private readonly pending = new Set<OpenWatch>();
  private flushScheduled = false;

  /** Number of watches being served now. */
  get size(): number {
    return this.open.size;
  }

  /**
   * Serves one watch on `res` until the stream ends, the client goes away, or closeAll().
   * `onGone` runs when the client goes away (to abort the request's signal).
   */
  async serve(
    res: ServerResponse,
    stream: WatchStream,
    format: OutputFormat,
    tc: TransformContext,
    onGone: () => void,
    onFrame?: (bytes: number) => void,
  ): Promise<void> {
    if (res.destroyed) {
      // The client left while the watch was being set up.
      onGone();
      stream.close();
      return;
    }
    if (this.closing) {
      stream.close();
      res.writeHead(503, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(statusFromError(serviceUnavailable('the server is shutting down', 1))));
      return;
    }
    let resolveDone!: () => void;
    const entry: OpenWatch = { stream, res, done: new Promise<void>((r) => (resolveDone = r)), frames: [], bytes: 0 };
    this.open.add(entry);

    const onClose = (): void => {
      onGone();
      stream.close();
    };
    res.on('close', onClose);
    res.socket?.setTimeout(0);
    res.socket?.setNoDelay(true);
    res.writeHead(200, {
      'Content-Type': contentTypeOf(format),
      'Cache-Control': 'no-cache, private',
      'X-Content-Type-Options': 'nosniff',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();

    const encode = this.encoder.forFormat(format, tc);
    try {
      for await (const event of stream) {
        if (res.destroyed || res.writableEnded) break;
        let frame: Buffer;
        try {
          frame = encode(event);
        } catch (err) {
          // An event that cannot be rendered ends the watch with an ERROR the client can act on.
          this.queue(entry, Buffer.from(`${JSON.stringify({ type: 'ERROR', object: statusFromError(err) })}\n`));
          break;
        }
        this.queue(entry, frame);
        onFrame?.(frame.length);
        // A client that reads slowly is not written to while its socket buffer is full.
        if (res.writableNeedDrain) await drained(res);
      }
    } catch (err) {
      this.queue(entry, Buffer.from(`${JSON.stringify({ type: 'ERROR', object: statusFromError(err) })}\n`));
    } finally {
      res.off('close', onClose);
      stream.close();
      this.write(entry);
      this.pending.delete(entry);
      if (!res.destroyed && !res.writableEnded) res.end();
      this.open.delete(entry);
      resolveDone();
    }
  }

  /**
   * Frames of one event-loop turn leave in one write per watch, at the end of the turn: a
   * burst of events costs one chunk and one system call per watcher instead of one per event,
   * and nothing waits longer than the turn (as Kubernetes' watch server flushes when its
   * channel is empty).
   */
  private queue(w: OpenWatch, frame: Buffer): void {
    if (w.frames.length === 0) {
      this.pending.add(w);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flushPending);
      }
    }
    w.frames.push(frame);
    w.bytes += frame.length;
    // A long burst in one turn is written as it grows, so the socket's backpressure is seen.
    if (w.bytes >= TURN_BYTES) this.write(w);
  }

  private readonly flushPending = (): void => {
    this.flushScheduled = false;
    for (const w of this.pending) this.write(w);
    this.pending.clear();
  };

  private write(w: OpenWatch): void {
    const frames = w.frames;
    if (frames.length === 0) return;
    w.frames = [];
    w.bytes = 0;
    if (w.res.destroyed || w.res.writableEnded) return;
    writeFrame(w.res, frames.length === 1 ? frames[0]! : Buffer.concat(frames));
  }

  /**
   * Ends every open watch (server shutdown): each client sees its stream end, as at a
   * timeout, and re-lists or re-watches elsewhere. New watches are refused from now on.
   */
  async closeAll(): Promise<void> {
    this.closing = true;
    const all = [...this.open];
    for (const w of all) w.stream.close();
    // A client that reads nothing would hold its watch open through a full socket buffer.
    const timer = setTimeout(() => {
      for (const w of all) if (this.open.has(w)) w.res.destroy();
    }, CLOSE_GRACE_MS);
    try {
      await Promise.all(all.map((w) => w.done));
    } finally {
      clearTimeout(timer);
    }
  }
}

function writeFrame(res: ServerResponse, frame: Buffer): void {
  try {
    res.write(frame);
  } catch {
    // The response is gone: its close ends the watch.
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** A watch stream of one ERROR event carrying `err` as a Status, then its end. */
export function errorEventStream(err: unknown): WatchStream {
  const events: WatchEvent[] = [{ type: 'ERROR', object: statusFromError(err) }];
  return {
    async *[Symbol.asyncIterator]() {
      yield* events;
    },
    close() {
      events.length = 0;
    },
  };
}

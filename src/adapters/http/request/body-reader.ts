import type { IncomingMessage } from 'node:http';
import { badRequest, requestEntityTooLarge } from '../../../domain/errors/api-error.js';

/** The default limit of a request body: 3 MiB, as in Kubernetes. */
export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * Reads a whole request body, refusing (413) one larger than `maxBytes` as soon as that is
 * known: from Content-Length, or while reading.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    const n = Number(declared);
    if (!Number.isSafeInteger(n) || n < 0) throw badRequest('the Content-Length header is not a valid length');
    if (n > maxBytes) throw tooLarge(maxBytes);
    if (n === 0) return Buffer.alloc(0);
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding !== '' && encoding.toLowerCase() !== 'identity') {
    throw badRequest(`the Content-Encoding ${JSON.stringify(encoding)} is not supported for request bodies`);
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: unknown): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        // Stop buffering; what is left of the body is drained and dropped.
        req.resume();
        finish(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish();
    const onError = (): void => finish(badRequest('the request body could not be read'));
    const onAborted = (): void => finish(badRequest('the request was aborted while its body was read'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function tooLarge(maxBytes: number) {
  return requestEntityTooLarge(`the request body is larger than the limit of ${maxBytes} bytes`);
}

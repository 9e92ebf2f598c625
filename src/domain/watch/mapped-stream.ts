import type { WatchStream } from '../../ports/resource-api.port.js';
import type { WatchEvent } from '../meta/types.js';

/** A watch stream whose events pass through `map`. */
export function mappedStream(stream: WatchStream, map: (e: WatchEvent) => WatchEvent): WatchStream {
  return {
    close: () => stream.close(),
    [Symbol.asyncIterator]: () => {
      const it = stream[Symbol.asyncIterator]();
      return {
        next: async () => {
          const r = await it.next();
          return r.done ? r : { value: map(r.value), done: false };
        },
        return: async () => {
          stream.close();
          return { value: undefined, done: true };
        },
      };
    },
  };
}

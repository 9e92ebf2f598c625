import { expect } from 'chai';
import { ApiError } from '../../../src/domain/errors/api-error.js';
import type { KubeObject, WatchEvent } from '../../../src/domain/meta/types.js';
import { ServerBuilder } from '../../../src/app/server-builder.js';
import { MemoryObjectStore } from '../../../src/adapters/storage/memory/memory-object-store.js';
import type { RegistryOptions } from '../../../src/domain/registry/registry-environment.js';
import { Gadget, Widget } from '../../../examples/demo/widget.resource.js';
import { ManualClock } from '../../support/manual-clock.js';
import { SequentialIds } from '../../support/sequential-ids.js';

/** A server with the example types on a memory store, a manual clock and no HTTP. */
export function demoServer(opts: { historyLimit?: number; registry?: Partial<RegistryOptions> } = {}) {
  const clock = new ManualClock();
  const store = new MemoryObjectStore({ historyLimit: opts.historyLimit ?? 10_000 });
  const warnings: string[] = [];
  const server = new ServerBuilder()
    .withStorage(store)
    .withResource(Widget)
    .withResource(Gadget)
    .withClock(clock)
    .withIdSource(new SequentialIds())
    .withRegistryOptions(opts.registry ?? {})
    .build();
  const client = server.client({ onWarning: (w) => warnings.push(w) });
  return {
    server,
    store,
    clock,
    warnings,
    client,
    widgets: client.resource(Widget, 'default'),
    allWidgets: client.resource(Widget),
    gadgets: client.resource(Gadget),
  };
}

/** Awaits a rejection and checks it is an ApiError with this reason; returns it. */
export async function expectApiError(p: Promise<unknown>, reason: string, code?: number): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(ApiError);
    const e = err as ApiError;
    expect(e.reason, e.message).to.equal(reason);
    if (code !== undefined) expect(e.code).to.equal(code);
    return e;
  }
  throw new Error(`expected an ApiError ${reason}, but the call succeeded`);
}

/** Takes the next `n` events of a watch, failing after `ms`. */
export async function take<T extends KubeObject>(
  it: AsyncIterable<WatchEvent<T>>,
  n: number,
  ms = 2000,
): Promise<WatchEvent<T>[]> {
  const out: WatchEvent<T>[] = [];
  const iterator = it[Symbol.asyncIterator]();
  const deadline = Date.now() + ms;
  while (out.length < n) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${out.length} of ${n} events: ${JSON.stringify(out.map((e) => e.type))}`);
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      iterator.next(),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), left);
      }),
    ]);
    clearTimeout(timer);
    if (r === 'timeout') continue;
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

/** Whether a watch has an event ready within `ms` (without consuming more than one). */
export async function nextWithin<T extends KubeObject>(
  it: AsyncIterable<WatchEvent<T>>,
  ms: number,
): Promise<IteratorResult<WatchEvent<T>> | 'none'> {
  const iterator = it[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  // Waiting out `ms` is the point here: the caller checks that nothing arrives meanwhile.
  const none = new Promise<'none'>((resolve) => {
    timer = setTimeout(() => resolve('none'), ms);
  });
  const r = await Promise.race([iterator.next(), none]);
  clearTimeout(timer);
  return r;
}

export function names(items: Array<{ metadata: { name?: string } }>): string[] {
  return items.map((i) => i.metadata.name as string);
}

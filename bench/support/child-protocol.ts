/**
 * The child side of {@link ChildServer}: answers each command the parent sends with the
 * handler's result (or its error), and exits on `stop` or when the parent goes away.
 */
export type Handlers = Record<string, (message: any) => unknown>;

export function serveParent(handlers: Handlers, onStop: () => Promise<void> | void = () => {}): void {
  const send = (m: unknown) => process.send?.(m);
  const stop = async (): Promise<void> => {
    try {
      await onStop();
    } finally {
      process.exit(0);
    }
  };
  process.on('message', async (m: any) => {
    if (m?.op === 'stop') return void stop();
    // Every child reports its CPU time, so the parent can charge CPU per request to each side.
    if (m?.op === 'cpu') return send({ id: m.id, cpu: process.cpuUsage() });
    const handler = handlers[m?.op];
    if (!handler) return send({ id: m?.id, error: `unknown command ${String(m?.op)}` });
    try {
      const result = (await handler(m)) as Record<string, unknown> | undefined;
      send({ ...(result ?? {}), id: m.id });
    } catch (err) {
      send({ id: m.id, error: err instanceof Error ? `${err.message}\n${err.stack}` : String(err) });
    }
  });
  process.on('disconnect', () => void stop());
}

/** Tells the parent the child serves; `ready` may carry the URL and start-up measurements. */
export function announceReady(ready: Record<string, unknown>): void {
  process.send?.({ ...ready, op: 'ready' });
}

/** The JSON config the parent passed on the command line. */
export function childConfig<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

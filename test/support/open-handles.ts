/**
 * A mocha root hook (loaded by .mocharc.json's `require`): the suite runs without `exit`, so
 * whatever a test leaves open (a timer, a server, a socket, a child process, a store not
 * closed) keeps the process alive after the last test. Rather than hang, the run then fails:
 * some seconds after the last hook, if the process is still there, it names what is still open
 * and exits with 1.
 *
 * `process.getActiveResourcesInfo()` tells only the kinds of what is open; run with
 * `TRACE_OPEN_HANDLES=1` to also see where each was created (async_hooks records a stack for
 * every resource then, which slows the run down).
 */
import { createHook } from 'node:async_hooks';
import { writeSync } from 'node:fs';

/** Time for the process to end by itself once the last hook is done. */
const GRACE_MS = 5000;

/** Where each live async resource was created, when tracing. */
const created = new Map<number, { type: string; resource: unknown; stack: string }>();

if (process.env.TRACE_OPEN_HANDLES) {
  const skipped = new Set(['PROMISE', 'TickObject', 'Microtask']);
  createHook({
    init(id, type, _trigger, resource) {
      if (skipped.has(type)) return;
      const stack = (new Error().stack ?? '')
        .split('\n')
        .slice(2)
        .filter((line) => !line.includes('node:internal') && !line.includes('open-handles'))
        .slice(0, 10)
        .join('\n');
      created.set(id, { type, resource, stack });
    },
    destroy(id) {
      created.delete(id);
    },
  }).enable();
}

function keepsAlive(resource: unknown): boolean {
  const r = resource as { hasRef?: () => boolean; _destroyed?: boolean } | undefined;
  if (r?._destroyed) return false;
  try {
    return typeof r?.hasRef === 'function' ? r.hasRef() : true;
  } catch {
    return true;
  }
}

function report(): void {
  const lines = [
    `\nThe test run did not end by itself ${GRACE_MS} ms after the last test: something a test opened is still open.`,
    `Open: ${process.getActiveResourcesInfo().join(', ') || '(nothing listed)'}`,
  ];
  if (process.env.TRACE_OPEN_HANDLES) {
    for (const [id, { type, resource, stack }] of created) {
      if (keepsAlive(resource)) lines.push(`- ${type} #${id}, created\n${stack}`);
    }
  } else {
    lines.push('Run again with TRACE_OPEN_HANDLES=1 to see where each was created.');
  }
  writeSync(2, `${lines.join('\n')}\n`);
}

export const mochaHooks = {
  afterAll(): void {
    // Unref'd: this timer alone does not keep the process alive, so it fires only on a leak.
    setTimeout(() => {
      report();
      // Mocha sets the exit code (its failure count) from its own 'exit' listener: this one,
      // added later, runs after it.
      process.on('exit', () => {
        process.exitCode = Math.max(Number(process.exitCode) || 0, 1);
      });
      process.exit(1);
    }, GRACE_MS).unref();
  },
};

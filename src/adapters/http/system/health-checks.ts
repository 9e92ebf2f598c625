import { isApiError } from '../../../domain/errors/api-error.js';

/** One named check of `/healthz`, `/livez` or `/readyz`; rejects with why it fails. */
export interface HealthCheck {
  name: string;
  check(): Promise<void>;
  /** A remark shown after `ok` in verbose reports (the check still passes). */
  note?(): string | undefined | Promise<string | undefined>;
}

export interface HealthReport {
  ok: boolean;
  /** The plain-text body Kubernetes' health endpoints answer. */
  text: string;
}

/**
 * Runs checks the way Kubernetes' healthz handlers report them: `ok` when all pass (or one line
 * per check with `?verbose`), and on failure always one line per check and 500. Reasons are
 * shown only for typed API errors, whose messages are meant for clients; others are withheld.
 */
export async function runHealthChecks(
  endpoint: string,
  checks: readonly HealthCheck[],
  opts: { verbose: boolean; exclude: readonly string[] },
): Promise<HealthReport> {
  const selected = checks.filter((c) => !opts.exclude.includes(c.name));
  const results = await Promise.all(
    selected.map(async (c) => {
      try {
        await c.check();
        // A note that cannot be made leaves the check passing, without its remark.
        const note = await Promise.resolve(c.note?.()).catch(() => undefined);
        return { name: c.name, error: undefined as string | undefined, note };
      } catch (err) {
        return { name: c.name, error: isApiError(err) ? err.message : 'reason withheld', note: undefined };
      }
    }),
  );
  const ok = results.every((r) => r.error === undefined);
  if (ok && !opts.verbose) return { ok, text: 'ok' };
  const lines = results.map((r) =>
    r.error === undefined ? `[+]${r.name} ok${r.note ? `: ${r.note}` : ''}` : `[-]${r.name} failed: ${r.error}`,
  );
  for (const name of opts.exclude) {
    if (checks.some((c) => c.name === name)) lines.push(`[+]${name} excluded: ok`);
  }
  lines.push(`${endpoint} check ${ok ? 'passed' : 'failed'}`);
  return { ok, text: `${lines.join('\n')}\n` };
}

/** Runs one check by name (`/readyz/storage`); undefined when there is no such check. */
export async function runSingleCheck(checks: readonly HealthCheck[], name: string): Promise<HealthReport | undefined> {
  const check = checks.find((c) => c.name === name);
  if (!check) return undefined;
  try {
    await check.check();
    return { ok: true, text: 'ok' };
  } catch (err) {
    return { ok: false, text: `internal server error: ${isApiError(err) ? err.message : 'reason withheld'}\n` };
  }
}

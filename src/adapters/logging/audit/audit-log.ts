import { closeSync, createReadStream, createWriteStream, fstatSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { AuditEvent, AuditSink } from '../../../ports/audit.port.js';

const MIB = 1024 * 1024;

/** kube-apiserver's log rotation (lumberjack) rotates at 100 MiB when no size is given. */
export const DEFAULT_AUDIT_LOG_MAX_SIZE_MIB = 100;

export interface AuditLogFileOptions {
  /** `--audit-log-maxsize`: rotate before the file would grow past this many MiB; 0 or unset: 100. */
  maxSizeMiB?: number;
  /** `--audit-log-maxbackup`: rotated files kept, newest first; 0 or unset: all. */
  maxBackups?: number;
  /** `--audit-log-maxage`: rotated files older than this many days are removed; 0 or unset: none. */
  maxAgeDays?: number;
  /** For tests: the time rotated files are named after. Default now. */
  now?: () => Date;
  /** Told about each event that could not be written (apiserver_audit_error_total). */
  onError?: (err: unknown) => void;
  /** `--audit-log-compress`: gzip rotated files (`NAME-TIMESTAMP.EXT.gz`), in the background. */
  compress?: boolean;
}

/**
 * Audit events as JSON lines in a file (`--audit-log-path`), rotated as kube-apiserver rotates
 * it: before a write would take the file past the size limit, the file is renamed to
 * `NAME-2006-01-02T15-04-05.000.EXT` (UTC) and a new one begun; then the oldest rotated files
 * beyond `maxBackups`, and those older than `maxAgeDays`, are removed; with `compress`, each
 * rotated file is gzipped in the background (`close` waits for that). The events of one
 * event-loop turn are written together, in order, with one synchronous write at the end of
 * the turn (a process killed loses at most that turn's); `close` writes what is queued. Files
 * are created readable by the owner only.
 */
export class AuditLogFile implements AuditSink {
  private fd: number | undefined;
  private size = 0;
  private readonly maxBytes: number;
  private readonly now: () => Date;
  private failed = false;
  private closed = false;
  /** Lines of this event-loop turn, written together at its end. */
  private queued: string[] = [];
  /** Rotated files being compressed, one after the other. */
  private compressing: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly options: AuditLogFileOptions = {},
  ) {
    for (const key of ['maxSizeMiB', 'maxBackups', 'maxAgeDays'] as const) {
      const v = options[key];
      if (v !== undefined && (!Number.isFinite(v) || v < 0)) throw new Error(`audit log ${key} must be a non-negative number, got ${v}`);
    }
    this.maxBytes = (options.maxSizeMiB || DEFAULT_AUDIT_LOG_MAX_SIZE_MIB) * MIB;
    this.now = options.now ?? (() => new Date());
    makeDirectories(dirname(path));
    this.open();
  }

  write(event: AuditEvent): void {
    if (this.closed) return;
    this.queued.push(`${JSON.stringify(event)}\n`);
    if (this.queued.length === 1) setImmediate(this.flush);
  }

  /** Writes the lines queued in this turn, in order, in as few writes as rotation allows. */
  private readonly flush = (): void => {
    const lines = this.queued;
    if (lines.length === 0) return;
    this.queued = [];
    let pending: string[] = [];
    let pendingBytes = 0;
    const out = (): void => {
      if (pending.length === 0) return;
      const buf = Buffer.from(pending.length === 1 ? pending[0]! : pending.join(''));
      pending = [];
      pendingBytes = 0;
      let off = 0;
      while (off < buf.length) off += writeSync(this.fd!, buf, off);
      this.size += buf.length;
    };
    let written = 0;
    try {
      if (this.fd === undefined) this.open();
      for (const line of lines) {
        const n = Buffer.byteLength(line);
        // A line larger than the limit goes alone into a fresh file rather than being dropped.
        if (this.size + pendingBytes > 0 && this.size + pendingBytes + n > this.maxBytes) {
          written += pending.length;
          out();
          this.rotate();
        }
        pending.push(line);
        pendingBytes += n;
      }
      out();
      this.failed = false;
    } catch (err) {
      for (let i = written; i < lines.length; i++) this.options.onError?.(err);
      // An audit log that cannot be written must not take requests down; say so once per outage.
      if (!this.failed) process.stderr.write(`apiserver-kit: audit log ${this.path}: ${(err as Error).message}\n`);
      this.failed = true;
    }
  };

  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    await this.compressing;
  }

  /** The rotated files of this log, oldest first (a backup being compressed is named once, as its plain file). */
  backups(): string[] {
    return this.backupFiles().map((b) => b.files[0]!);
  }

  /** Rotated files by their time, oldest first: the plain file and/or its `.gz`. */
  private backupFiles(): Array<{ stamp: string; files: string[] }> {
    const dir = dirname(this.path);
    const ext = extname(this.path);
    const stem = basename(this.path, ext);
    const pattern = new RegExp(`^${escape(stem)}-(\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3})${escape(ext)}(\\.gz)?$`);
    const byStamp = new Map<string, string[]>();
    for (const f of readdirSync(dir).sort()) {
      const m = pattern.exec(f);
      if (!m) continue;
      const files = byStamp.get(m[1]!) ?? [];
      files.push(join(dir, f));
      byStamp.set(m[1]!, files);
    }
    return [...byStamp.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([stamp, files]) => ({ stamp, files }));
  }

  private open(): void {
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  private rotate(): void {
    closeSync(this.fd!);
    this.fd = undefined;
    const ext = extname(this.path);
    const stem = this.path.slice(0, this.path.length - ext.length);
    let at = this.now();
    // Two rotations in one millisecond: the second takes the next free name.
    const taken = new Set(this.backupFiles().map((b) => b.stamp));
    for (let i = 0; taken.has(stamp(at)) && i < 1000; i++) at = new Date(at.getTime() + 1);
    const target = `${stem}-${stamp(at)}${ext}`;
    renameSync(this.path, target);
    this.open();
    this.prune();
    if (this.options.compress) this.compressing = this.compressing.then(() => this.gzip(target));
  }

  /** Compresses a rotated file to `FILE.gz` and removes it; on failure keeps it as it is. */
  private async gzip(file: string): Promise<void> {
    const gz = `${file}.gz`;
    try {
      await pipeline(createReadStream(file), createGzip(), createWriteStream(gz, { mode: 0o600 }));
      unlinkSync(file);
    } catch (err) {
      try {
        unlinkSync(gz);
      } catch {
        // none made
      }
      // Pruned meanwhile: nothing to keep. Anything else: the plain file stays.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') process.stderr.write(`apiserver-kit: audit log ${file}: not compressed: ${(err as Error).message}\n`);
    }
  }

  private prune(): void {
    const backups = this.backupFiles();
    const remove = new Set<string>();
    const keep = this.options.maxBackups ?? 0;
    if (keep > 0) for (const b of backups.slice(0, Math.max(0, backups.length - keep))) for (const f of b.files) remove.add(f);
    const days = this.options.maxAgeDays ?? 0;
    if (days > 0) {
      const cutoff = this.now().getTime() - days * 86_400_000;
      for (const b of backups) {
        const m = /^(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-(\d\d\.\d{3})$/.exec(b.stamp);
        if (m && Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`) < cutoff) for (const f of b.files) remove.add(f);
      }
    }
    for (const f of remove) {
      try {
        unlinkSync(f);
      } catch {
        // gone already
      }
    }
  }
}

/** Audit events as JSON lines on a writer (`--audit-log-path -`: standard output). */
export class AuditLogStream implements AuditSink {
  constructor(private readonly output: { write(text: string): unknown }) {}

  write(event: AuditEvent): void {
    this.output.write(`${JSON.stringify(event)}\n`);
  }

  async close(): Promise<void> {}
}

/**
 * `mkdir -p`, one level at a time, the new ones owner-only. (Node's recursive mkdirSync never
 * returns for a path under /proc.)
 */
function makeDirectories(dir: string): void {
  try {
    if (statSync(dir).isDirectory()) return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const parent = dirname(dir);
  if (parent !== dir) makeDirectories(parent);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** lumberjack's backup time: 2006-01-02T15-04-05.000 in UTC. */
function stamp(d: Date): string {
  return d.toISOString().replace(/Z$/, '').replaceAll(':', '-');
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

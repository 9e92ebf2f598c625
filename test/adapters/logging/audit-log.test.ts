/**
 * The audit log file on real files: JSON lines appended, rotation by size with kube-apiserver's
 * backup names, maxBackups and maxAge pruning, an existing file continued, owner-only mode.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { AuditLogFile } from '../../../src/adapters/logging/audit/audit-log.js';
import type { AuditEvent } from '../../../src/ports/audit.port.js';

function event(i: number, pad = 0): AuditEvent {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `id-${i}`,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/default/pods/p${i}`,
    verb: 'get',
    user: { username: 'alice' },
    sourceIPs: ['127.0.0.1'],
    annotations: { pad: 'x'.repeat(pad) },
    requestReceivedTimestamp: '2026-12-03T18:00:00.000000Z',
    stageTimestamp: '2026-12-03T18:00:00.000001Z',
  };
}

describe('audit log file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-log-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends one JSON line per event at the end of the turn, continuing an existing file, readable by the owner only', async () => {
    const path = join(dir, 'logs', 'audit.log');
    const first = new AuditLogFile(path);
    first.write(event(1));
    expect(readFileSync(path, 'utf8')).to.equal('');
    await new Promise((r) => setImmediate(r));
    expect(JSON.parse(readFileSync(path, 'utf8')).auditID).to.equal('id-1');
    await first.close();
    first.write(event(99)); // after close: dropped, the file is not reopened
    const second = new AuditLogFile(path);
    second.write(event(2));
    await second.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.auditID)).to.deep.equal(['id-1', 'id-2']);
    expect(statSync(path).mode & 0o777).to.equal(0o600);
  });

  it('rotates before the size limit with NAME-TIMESTAMP.EXT backups, keeping maxBackups of them', async () => {
    const path = join(dir, 'audit.log');
    let clock = Date.parse('2026-12-03T10:00:00.000Z');
    const log = new AuditLogFile(path, { maxSizeMiB: 10 / 1024, maxBackups: 2, now: () => new Date((clock += 1000)) });
    const limit = 10 * 1024;
    for (let i = 0; i < 40; i++) log.write(event(i, 900)); // ~1.2 KB each: about 8 per file
    await log.close();
    const files = readdirSync(dir).sort();
    const backups = files.filter((f) => f !== 'audit.log');
    expect(backups).to.have.length(2);
    for (const b of backups) expect(b).to.match(/^audit-2026-12-03T10-\d\d-\d\d\.000\.log$/);
    for (const f of files) expect(statSync(join(dir, f)).size).to.be.at.most(limit);
    // Nothing lost between the kept files, in order; the oldest went with their backups.
    const ids = [...backups, 'audit.log'].flatMap((f) => readFileSync(join(dir, f), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l).auditID as string));
    const numbers = ids.map((id) => Number(id.slice(3)));
    expect(numbers[numbers.length - 1]).to.equal(39);
    for (let i = 1; i < numbers.length; i++) expect(numbers[i]).to.equal(numbers[i - 1]! + 1);
  });

  it('gzips rotated files with compress, pruning them as the plain ones', async () => {
    const path = join(dir, 'audit.log');
    let clock = Date.parse('2026-12-03T10:00:00.000Z');
    const log = new AuditLogFile(path, { maxSizeMiB: 10 / 1024, maxBackups: 3, compress: true, now: () => new Date((clock += 1000)) });
    for (let i = 0; i < 60; i++) {
      log.write(event(i, 900));
      // A few turns, so compression runs while writing goes on.
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
    }
    await log.close();
    const files = readdirSync(dir).sort();
    const backups = files.filter((f) => f !== 'audit.log');
    expect(backups).to.have.length(3);
    for (const b of backups) expect(b).to.match(/^audit-2026-12-03T10-\d\d-\d\d\.000\.log\.gz$/);
    for (const b of backups) expect(statSync(join(dir, b)).mode & 0o777).to.equal(0o600);
    const text = (f: string): string => (f.endsWith('.gz') ? gunzipSync(readFileSync(join(dir, f))) : readFileSync(join(dir, f))).toString('utf8');
    const numbers = [...backups, 'audit.log'].flatMap((f) => text(f).trimEnd().split('\n').map((l) => Number((JSON.parse(l).auditID as string).slice(3))));
    expect(numbers[numbers.length - 1]).to.equal(59);
    for (let i = 1; i < numbers.length; i++) expect(numbers[i]).to.equal(numbers[i - 1]! + 1);
  });

  it('removes backups older than maxAgeDays, and writes an event larger than the limit alone', async () => {
    const path = join(dir, 'audit.log');
    writeFileSync(join(dir, 'audit-2026-11-01T00-00-00.000.log'), 'old\n');
    writeFileSync(join(dir, 'audit-2026-12-02T12-00-00.000.log'), 'recent\n');
    writeFileSync(join(dir, 'other-2026-11-01T00-00-00.000.log'), 'not ours\n');
    const log = new AuditLogFile(path, { maxSizeMiB: 1 / 1024, maxAgeDays: 7, now: () => new Date('2026-12-03T12:00:00.000Z') });
    log.write(event(1));
    log.write(event(2, 4000)); // larger than 1 KiB: rotates, then stands alone
    log.write(event(3));
    await log.close();
    const files = readdirSync(dir).sort();
    expect(files).to.not.include('audit-2026-11-01T00-00-00.000.log');
    expect(files).to.include('audit-2026-12-02T12-00-00.000.log');
    expect(files).to.include('other-2026-11-01T00-00-00.000.log');
    expect(JSON.parse(readFileSync(path, 'utf8')).auditID).to.equal('id-3');
  });

  it('tells about events it cannot write (a full disk), without throwing', async () => {
    const errors: string[] = [];
    const log = new AuditLogFile('/dev/full', { onError: (err) => errors.push((err as NodeJS.ErrnoException).code ?? '') });
    const stderr = process.stderr.write.bind(process.stderr);
    const said: string[] = [];
    process.stderr.write = ((t: string) => said.push(String(t)) > 0) as typeof process.stderr.write;
    try {
      log.write(event(1));
      log.write(event(2));
      await new Promise((r) => setImmediate(r)); // the end of the turn: the lines are written
      log.write(event(3));
      await log.close(); // writes what is queued
    } finally {
      process.stderr.write = stderr;
    }
    expect(errors).to.deep.equal(['ENOSPC', 'ENOSPC', 'ENOSPC']);
    expect(said).to.have.length(1); // once per outage
    expect(said[0]).to.contain('audit log /dev/full');
  });

  it('refuses negative limits', () => {
    expect(() => new AuditLogFile(join(dir, 'a.log'), { maxBackups: -1 })).to.throw('maxBackups must be a non-negative number');
  });
});

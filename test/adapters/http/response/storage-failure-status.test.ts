/**
 * Storage failures as a client and the log see them: the Status and headers the HTTP adapter
 * sends for each StorageError the registry maps, and the log line it reports for a 5xx.
 */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { errorResponse } from '../../../../src/adapters/http/response/error-status.js';
import { describeFailure } from '../../../../src/adapters/http/response/failure-report.js';
import { tooManyRequests } from '../../../../src/domain/errors/api-error.js';
import { storageErrorToApi, tooLargeResourceVersion } from '../../../../src/domain/registry/storage-errors.js';
import { StorageError } from '../../../../src/ports/object-store.port.js';

const GR = { group: 'demo.example.com', resource: 'widgets' };
const KEY = '/demo.example.com/widgets/default/foo';

/** A real SQLITE_FULL from SQLite, on a database limited to the pages it already has. */
function sqliteFull(): Error {
  const db = new Database(':memory:');
  try {
    db.exec('CREATE TABLE t (v TEXT)');
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    db.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(100_000));
  } catch (err) {
    return err as Error;
  } finally {
    db.close();
  }
  throw new Error('SQLite accepted the write');
}

describe('http: storage failures as Status, headers and log line', () => {
  it('answers Unavailable with a short 503 without Retry-After, keeping the StorageError as the cause', () => {
    const storage = StorageError.unavailable('sqlite:/var/lib/x/db.sqlite: write failed', sqliteFull(), { hint: 'the disk is full' });
    const api = storageErrorToApi(storage, GR, 'foo') as Error;
    expect(api.cause).to.equal(storage);
    const res = errorResponse(api);
    expect(res.code).to.equal(503);
    expect(res.headers).to.deep.equal({});
    expect(res.status).to.include({ reason: 'ServiceUnavailable', code: 503, message: 'the storage backend is unavailable' });
    expect(res.status).not.to.have.property('details');
  });

  it('answers NoSpace with 507 InsufficientStorage (naming the quota when there is one) and Damaged with a 503 saying writes are refused', () => {
    const full = errorResponse(storageErrorToApi(StorageError.noSpace('sqlite:/var/lib/x/db.sqlite: write failed', sqliteFull()), GR, 'foo'));
    expect(full.code).to.equal(507);
    expect(full.headers).to.deep.equal({});
    expect(full.status).to.include({ reason: 'InsufficientStorage', code: 507, message: 'no space left on the storage device' });
    const quota = errorResponse(storageErrorToApi(StorageError.noSpace('memory: write of x refused', undefined, { quotaBytes: 1000 }), GR, 'foo'));
    expect(quota.status).to.include({ reason: 'InsufficientStorage', code: 507, message: 'the storage quota of 1000 bytes is reached; delete objects to make room' });
    const damaged = errorResponse(storageErrorToApi(StorageError.damaged('sqlite:/var/lib/x/db.sqlite: list failed'), GR, ''));
    expect(damaged.code).to.equal(503);
    expect(damaged.headers).to.deep.equal({});
    expect(damaged.status).to.include({ reason: 'ServiceUnavailable', message: 'the storage is damaged; writes are refused until it is repaired' });
  });

  it('keeps Retry-After for 429, and for the 504 of a too-large resourceVersion as the watch cache sends it', () => {
    expect(errorResponse(tooManyRequests('slow down', 2)).headers).to.deep.equal({ 'Retry-After': '2' });
    const tooLarge = errorResponse(storageErrorToApi(StorageError.tooLarge(120, 100), GR, ''));
    expect(tooLarge.code).to.equal(504);
    expect(tooLarge.headers).to.deep.equal({ 'Retry-After': '1' });
    expect(tooLarge.status.message).to.equal('Too large resource version: 120, current resource version: 100');
    expect(tooLarge.status.details).to.deep.equal(tooLargeResourceVersion(120, 100).details);
  });

  it('tells clients no key, path, store or revision in any mapped message', () => {
    const errors = [
      StorageError.keyExists(KEY, 7),
      StorageError.notFound(KEY),
      StorageError.conflict(KEY, 9, 7),
      StorageError.expired(3, 50, { where: 'sqlite:/var/lib/x/db.sqlite' }),
      StorageError.invalidKey(KEY, 'segment "foo" is too long for a file name (300 > 255 bytes)', 'file:/var/lib/x'),
      StorageError.unavailable('etcd: create', new Error('etcdserver: request timed out')),
      StorageError.closed('sqlite:/var/lib/x/db.sqlite'),
      StorageError.noSpace('file:/var/lib/x: write of /a failed', new Error('ENOSPC: no space left on device')),
      StorageError.damaged('sqlite:/var/lib/x/db.sqlite: get failed', sqliteFull()),
    ];
    for (const err of errors) {
      const status = errorResponse(storageErrorToApi(err, GR, 'foo')).status;
      expect(status.message, err.message).not.to.match(/\/var\/lib|sqlite|etcd|demo\.example\.com\/widgets\/default|revision \d|\[/);
      expect((status.message ?? "").length, status.message).to.be.below(200);
    }
  });

  it('logs a 5xx as one line naming the cause chain, and an unexpected error with its stack', () => {
    const storage = StorageError.unavailable('sqlite:/var/lib/x/db.sqlite: write failed', sqliteFull());
    const line = describeFailure(storageErrorToApi(storage, GR, 'foo'), { method: 'POST', path: '/apis/demo.example.com/v1/namespaces/default/widgets' });
    expect(line).to.equal(
      'failed POST /apis/demo.example.com/v1/namespaces/default/widgets: 503 ServiceUnavailable: the storage backend is unavailable; ' +
        'cause: Unavailable: sqlite:/var/lib/x/db.sqlite: write failed: database or disk is full [SQLITE_FULL]',
    );
    const bug = new TypeError('x is not a function', { cause: new Error('underneath') });
    const report = describeFailure(bug, { method: 'GET', path: '/apis' });
    expect(report.split('\n')[0]).to.equal('internal error serving GET /apis: TypeError: x is not a function');
    expect(report).to.match(/\n\s+at /).and.to.contain('caused by: Error: underneath');
  });
});

/**
 * Storage errors are recognised by their mark, not by class identity: a store whose module was
 * loaded a second time (two copies of the package, or a loader giving a dynamic import its own
 * instance) still throws errors the registry maps to the right Status.
 */
import { expect } from 'chai';
import { isStorageError, StorageError } from '../../src/ports/object-store.port.js';
import { statusFromError } from '../../src/domain/errors/status.js';
import { storageErrorToApi } from '../../src/domain/registry/storage-errors.js';

describe('ports: StorageError from another copy of the module', () => {
  it('is a StorageError to this copy, and maps like one', async () => {
    const other = (await import(`../../src/ports/object-store.port.js?copy=${Date.now()}`)) as typeof import('../../src/ports/object-store.port.js');
    expect(other.StorageError).to.not.equal(StorageError);
    const err = other.StorageError.keyExists('/widgets/default/a', 3);
    expect(err instanceof StorageError).to.equal(true);
    expect(isStorageError(err, 'KeyExists')).to.equal(true);
    expect(isStorageError(new Error('key exists'))).to.equal(false);
    expect(isStorageError({ code: 'KeyExists' })).to.equal(false);
    const status = statusFromError(storageErrorToApi(err, { group: 'demo.example.com', resource: 'widgets' }, 'a'));
    expect(status.code).to.equal(409);
    expect(status.reason).to.equal('AlreadyExists');
  });
});

describe('domain: ApiError from another copy of the module', () => {
  it('is an ApiError to this copy, and answers as its Status', async () => {
    const other = (await import(`../../src/domain/errors/api-error.js?copy=${Date.now()}`)) as typeof import('../../src/domain/errors/api-error.js');
    const { ApiError, isApiError } = await import('../../src/domain/errors/api-error.js');
    expect(other.ApiError).to.not.equal(ApiError);
    const err = other.forbidden('no widgets for you');
    expect(err instanceof ApiError).to.equal(true);
    expect(isApiError(err)).to.equal(true);
    expect(isApiError(new Error('x'))).to.equal(false);
    const status = statusFromError(err);
    expect(status.code).to.equal(403);
    expect(status.message).to.equal('no widgets for you');
  });
});

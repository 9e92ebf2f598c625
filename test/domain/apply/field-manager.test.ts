import { expect } from 'chai';
import {
  fieldManagerFor,
  managerFromUserAgent,
  patchOptionsError,
  validateFieldManager,
  writeOptionsError,
} from '../../../src/domain/apply/field-manager.js';
import { validateManagedFields } from '../../../src/domain/apply/validate-managed-fields.js';

describe('apply: field manager names', () => {
  it('takes the product of the User-Agent, as Kubernetes does', () => {
    expect(managerFromUserAgent('kubectl/v1.33.0 (linux/amd64) kubernetes/abc123')).to.equal('kubectl');
    expect(managerFromUserAgent('node-fetch')).to.equal('node-fetch');
    expect(managerFromUserAgent('')).to.equal('');
    expect(managerFromUserAgent(undefined)).to.equal('');
    expect(managerFromUserAgent('a\u0000b\tc/1')).to.equal('abc');
    expect(managerFromUserAgent('x'.repeat(200))).to.have.length(128);
    expect(managerFromUserAgent('é'.repeat(100))).to.have.length(64);
  });

  it('prefers the fieldManager parameter', () => {
    expect(fieldManagerFor('kubectl-edit', 'kubectl/v1.33')).to.equal('kubectl-edit');
    expect(fieldManagerFor(undefined, 'kubectl/v1.33')).to.equal('kubectl');
    expect(fieldManagerFor('', 'curl/8')).to.equal('curl');
  });

  it('validates names', () => {
    expect(validateFieldManager('ok-name')).to.deep.equal([]);
    expect(validateFieldManager('x'.repeat(129))[0]).to.include({ reason: 'FieldValueTooLong', field: 'fieldManager' });
    expect(validateFieldManager('a\u0007')[0].message).to.contain('invalid character U+0007 (at position 1)');
  });

  it('checks patch options as Kubernetes does', () => {
    expect(patchOptionsError({ apply: true, fieldManager: 'kubectl', force: false })).to.equal(undefined);
    const missing = patchOptionsError({ apply: true })!;
    expect(missing.code).to.equal(422);
    expect(missing.message).to.equal('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    expect(patchOptionsError({ apply: false, force: true })!.message).to.contain('force: Forbidden: may not be specified for non-apply patch');
    expect(patchOptionsError({ apply: false })).to.equal(undefined);
    expect(writeOptionsError('CreateOptions', 'x'.repeat(200))!.message).to.match(/^CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long/);
  });

  it('validates managedFields a client writes', () => {
    expect(validateManagedFields([{ manager: 'a', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: {} }])).to.deep.equal([]);
    const errors = validateManagedFields([{ manager: 'a', operation: 'Patch', fieldsType: 'FieldsV2', fieldsV1: { 'f:a': 1 } }]);
    expect(errors.map((e) => e.field)).to.deep.equal([
      'metadata.managedFields[0].operation',
      'metadata.managedFields[0].fieldsType',
      'metadata.managedFields[0].fieldsV1',
    ]);
  });
});

import { expect } from 'chai';
import { EtcdKeySpace, prefixEnd } from '../../../src/adapters/storage/etcd/etcd-key-space.js';

describe('EtcdKeySpace', () => {
  it('puts storage keys under the prefix, without doubling the slash', () => {
    for (const prefix of ['/registry', '/registry/', '/registry//']) {
      const keys = new EtcdKeySpace(prefix);
      expect(keys.key('/g/r/ns/a').toString()).to.equal('/registry/g/r/ns/a');
      expect(keys.storageKey(Buffer.from('/registry/g/r/ns/a'))).to.equal('/g/r/ns/a');
    }
    expect(new EtcdKeySpace('').key('/g/a').toString()).to.equal('/g/a');
  });

  it('does not read keys of another key space as its own', () => {
    const keys = new EtcdKeySpace('/registry');
    expect(keys.storageKey(Buffer.from('/other/g/a'))).to.equal(undefined);
    expect(keys.storageKey(Buffer.from('/reg'))).to.equal(undefined);
  });

  it('ranges over exactly the keys under a prefix, from startKey when it lies inside', () => {
    const keys = new EtcdKeySpace('/registry');
    const r = keys.range('/g/widgets/default/');
    expect([r.start.toString(), r.end.toString()]).to.deep.equal(['/registry/g/widgets/default/', '/registry/g/widgets/default0']);
    expect(keys.range('/g/widgets/default/', '/g/widgets/default/c').start.toString()).to.equal('/registry/g/widgets/default/c');
    expect(keys.range('/g/widgets/default/', '/g/').start.toString()).to.equal('/registry/g/widgets/default/');
    // '' and '/' select the same keys and never the neighbouring '/registry2/...'.
    expect(keys.range('').end.toString()).to.equal('/registry0');
  });

  it('computes etcd prefix ends, also over 0xff bytes', () => {
    expect(prefixEnd(Buffer.from('ab'))).to.deep.equal(Buffer.from('ac'));
    expect(prefixEnd(Buffer.from([0x61, 0xff, 0xff]))).to.deep.equal(Buffer.from([0x62]));
    expect(prefixEnd(Buffer.from([0xff]))).to.deep.equal(Buffer.from([0]));
  });
});

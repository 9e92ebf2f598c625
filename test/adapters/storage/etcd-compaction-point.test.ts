import { expect } from 'chai';
import { EtcdCompactionPoint } from '../../../src/adapters/storage/etcd/etcd-compaction-point.js';

/** A fake etcd whose compaction point and current revision the test sets; counts reads. */
function fakeEtcd(state: { compacted: number; current: number }) {
  const reads: number[] = [];
  const point = new EtcdCompactionPoint({
    readable: async (revision) => {
      reads.push(revision);
      return revision >= state.compacted;
    },
    current: async () => state.current,
  });
  return { point, reads };
}

describe('EtcdCompactionPoint', () => {
  it('is 0 while etcd has not compacted, after one read', async () => {
    const { point, reads } = fakeEtcd({ compacted: 0, current: 500 });
    expect(await point.find()).to.equal(0);
    expect(reads).to.deep.equal([1]);
  });

  it('confirms a learned point with one read', async () => {
    const { point, reads } = fakeEtcd({ compacted: 300, current: 500 });
    point.atLeast(300);
    expect(await point.find()).to.equal(300);
    expect(reads).to.deep.equal([300]);
  });

  it('finds a point another process moved with a binary search, and never moves back', async () => {
    const state = { compacted: 12_345, current: 1_000_000 };
    const { point, reads } = fakeEtcd(state);
    expect(await point.find()).to.equal(12_345);
    expect(reads.length).to.be.at.most(22);
    state.compacted = 12_346;
    expect(await point.find()).to.equal(12_346);
    point.atLeast(5);
    expect(point.lowerBound).to.equal(12_346);
  });

  it('shares one search between concurrent callers', async () => {
    const { point, reads } = fakeEtcd({ compacted: 77, current: 1000 });
    const results = await Promise.all([point.find(), point.find(), point.find()]);
    expect(results).to.deep.equal([77, 77, 77]);
    expect(reads.length).to.be.at.most(12);
  });
});

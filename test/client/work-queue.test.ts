import { expect } from 'chai';
import { runWorker, WorkQueue } from '../../src/adapters/http-client/work-queue.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('WorkQueue on a manual clock', () => {
  it('hands a key queued twice out once, and again after done when added while held', async () => {
    const q = new WorkQueue<string>({ clock: new ManualClock() });
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.length).to.equal(2);
    expect(await q.get()).to.equal('a');
    q.add('a');
    expect(await q.get()).to.equal('b');
    expect(q.length).to.equal(0);
    q.done('a');
    expect(q.length).to.equal(1);
    expect(await q.get()).to.equal('a');
  });

  it('retries with exponential per-key backoff and drops a key after maxRetries', async () => {
    const clock = new ManualClock();
    const q = new WorkQueue<string>({ clock, baseDelayMs: 10, maxDelayMs: 40, maxRetries: 3 });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      q.addRateLimited('k');
      let waited = 0;
      while (q.length === 0) {
        clock.advance(1);
        waited++;
      }
      delays.push(waited);
      q.done((await q.get())!);
    }
    expect(delays).to.deep.equal([10, 20, 40, 40]);
    q.forget('k');
    expect(q.numRequeues('k')).to.equal(0);
    for (let i = 0; i < 3; i++) expect(q.handleError('k')).to.equal(true);
    expect(q.handleError('k')).to.equal(false);
    expect(q.numRequeues('k')).to.equal(0);
  });

  it('runs a reconcile loop: failures retry after backoff, success forgets them, shutdown ends it', async () => {
    const clock = new ManualClock();
    const q = new WorkQueue<string>({ clock, baseDelayMs: 100, maxRetries: 2 });
    const calls: string[] = [];
    const dropped: string[] = [];
    let failOnce = true;
    const worker = runWorker(
      q,
      async (key) => {
        calls.push(key);
        if (key === 'flaky' && failOnce) {
          failOnce = false;
          throw new Error('not yet');
        }
        if (key === 'broken') throw new Error('never');
      },
      (key) => dropped.push(key),
    );
    q.add('flaky');
    q.add('broken');
    await tick();
    expect(calls).to.deep.equal(['flaky', 'broken']);
    clock.advance(99);
    await tick();
    expect(calls).to.have.length(2);
    clock.advance(1);
    await tick();
    expect(calls).to.deep.equal(['flaky', 'broken', 'flaky', 'broken']);
    clock.advance(200);
    await tick();
    expect(calls).to.deep.equal(['flaky', 'broken', 'flaky', 'broken', 'broken']);
    expect(dropped).to.deep.equal(['broken']);
    q.addAfter('later', 50);
    q.shutDown();
    clock.advance(100);
    await worker;
    expect(await q.get()).to.equal(undefined);
    expect(calls).to.not.include('later');
  });
});

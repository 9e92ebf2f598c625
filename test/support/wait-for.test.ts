import { expect } from 'chai';
import { Signal, waitFor } from './wait-for.js';

/**
 * Timers that keep the process alive now (the helper must leave none behind), counted after a
 * turn of the loop so that mocha's own timer for the running test is already there.
 */
async function timers(): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe('test support: waitFor', () => {
  it('resolves with the first truthy value, polling', async () => {
    let calls = 0;
    const before = await timers();
    const value = await waitFor(() => (++calls >= 3 ? `after ${calls}` : undefined), { intervalMs: 1 });
    expect(value).to.equal('after 3');
    expect(await timers()).to.equal(before);
  });

  it('checks again when its signal fires, not before', async () => {
    const signal = new Signal();
    let ready = false;
    let checks = 0;
    const waiting = waitFor(
      () => {
        checks++;
        return ready;
      },
      { wakeOn: signal, timeoutMs: 5000 },
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(checks).to.equal(1);
    ready = true;
    signal.notify();
    expect(await waiting).to.equal(true);
    expect(checks).to.equal(2);
  });

  it('takes async conditions', async () => {
    let n = 0;
    expect(await waitFor(async () => ++n === 2, { intervalMs: 1 })).to.equal(true);
  });

  it('fails after the timeout naming what it waited for and what it saw, leaving no timer', async () => {
    const before = await timers();
    const started = Date.now();
    try {
      await waitFor(() => false, { timeoutMs: 50, what: 'the moon', detail: () => 'only clouds' });
      expect.fail('expected a timeout');
    } catch (err) {
      expect(String(err)).to.equal('Error: timed out after 50 ms waiting for the moon; only clouds');
    }
    expect(Date.now() - started).to.be.within(45, 1000);
    expect(await timers()).to.equal(before);
  });

  it('ends with the error the condition throws', async () => {
    try {
      await waitFor(() => {
        throw new Error('gone');
      });
      expect.fail('expected the error');
    } catch (err) {
      expect((err as Error).message).to.equal('gone');
    }
  });
});

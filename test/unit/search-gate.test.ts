import { expect } from 'chai';
import { createSearchGate } from '../../src/catalog/search-gate.js';
import { DomainError } from '../../src/shared/errors.js';

/** A search that runs until the test lets it finish. */
function held() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { work: () => done, finish };
}

const reasonOf = (err: unknown) => (err as DomainError).details as { reason: string };

describe('search gate', () => {
  it('runs up to its concurrency at once, queues up to its queue, refuses the rest at once', async () => {
    const gate = createSearchGate({ concurrency: 2, queue: 1, queueWaitMs: 10_000 });
    const a = held();
    const b = held();
    const c = held();
    const running = [gate.run(a.work), gate.run(b.work)];
    const queued = gate.run(c.work);
    expect([gate.running, gate.waiting]).to.deep.equal([2, 1]);
    const refused = await gate.run(async () => 'never').catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(DomainError);
    expect((refused as DomainError).code).to.equal('search_busy');
    expect(reasonOf(refused)).to.deep.equal({ reason: 'queue_full', retry_after_seconds: 1 });
    // A finishing search hands its slot to the first waiting one: the counts stay exact.
    a.finish();
    await running[0];
    expect([gate.running, gate.waiting]).to.deep.equal([2, 0]);
    b.finish();
    c.finish();
    await Promise.all([running[1], queued]);
    expect([gate.running, gate.waiting]).to.deep.equal([0, 0]);
  });

  it('refuses a search that waited its queue wait, and frees its place in the queue', async () => {
    const gate = createSearchGate({ concurrency: 1, queue: 1, queueWaitMs: 50 });
    const a = held();
    const running = gate.run(a.work);
    let ran = false;
    const started = Date.now();
    const waited = await gate
      .run(async () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(Date.now() - started).to.be.at.least(45);
    expect(reasonOf(waited).reason).to.equal('queue_wait');
    expect(ran).to.equal(false);
    expect([gate.running, gate.waiting]).to.deep.equal([1, 0]);
    a.finish();
    await running;
    expect(await gate.run(async () => 'next')).to.equal('next');
  });

  it('gives the slot back when a search fails', async () => {
    const gate = createSearchGate({ concurrency: 1, queue: 0, queueWaitMs: 10 });
    const failed = await gate.run(() => Promise.reject(new Error('boom'))).catch((e: unknown) => e);
    expect((failed as Error).message).to.equal('boom');
    expect(gate.running).to.equal(0);
    expect(await gate.run(async () => 1)).to.equal(1);
  });
});

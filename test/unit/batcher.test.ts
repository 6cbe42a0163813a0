import { expect } from 'chai';
import { createBatcher, ItemFailure, runIsolating } from '../../src/shared/batcher.js';
import { createLogger } from '../../src/shared/logger.js';

describe('batcher', () => {
  it('coalesces concurrent submissions into batches of at most maxSize', async () => {
    const batches: number[][] = [];
    const batcher = createBatcher<number, number>({
      run: async (items) => {
        batches.push(items);
        return new Map(items.map((i) => [i, i * 10]));
      },
      maxSize: 4,
      maxWaitMs: 5,
      concurrency: 1,
      logger: createLogger('silent'),
    });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit(i)));
    expect(results).to.deep.equal([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(batches.flat()).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(batches.every((b) => b.length <= 4)).to.equal(true);
    expect(batches.length).to.be.below(10);
    await batcher.drain();
    expect(batcher.pending).to.equal(0);
  });

  it('rejects only the item that failed alone', async () => {
    const batcher = createBatcher<number, number>({
      run: async (items) => new Map(items.map((i) => [i, i === 2 ? new ItemFailure(new Error('two')) : i])),
      maxSize: 10,
      maxWaitMs: 1,
      concurrency: 1,
      logger: createLogger('silent'),
    });
    const results = await Promise.allSettled([1, 2, 3].map((i) => batcher.submit(i)));
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
  });
});

describe('runIsolating', () => {
  it('halves a failing batch until the bad item stands alone; the others succeed in few transactions', async () => {
    const calls: number[][] = [];
    const items = Array.from({ length: 64 }, (_, i) => i);
    const results = await runIsolating(items, async (batch) => {
      calls.push(batch);
      if (batch.includes(37)) throw new Error('poisoned');
      return new Map(batch.map((i) => [i, `ok ${i}`]));
    });
    expect([...results.keys()].sort((a, b) => a - b)).to.deep.equal(items);
    expect(results.get(37)).to.be.instanceOf(ItemFailure);
    expect((results.get(37) as ItemFailure).error).to.have.property('message', 'poisoned');
    expect(results.get(36)).to.equal('ok 36');
    // One failed try per level (6 halvings of 64) plus one good half per level, plus the first.
    expect(calls.length).to.equal(1 + 2 * 6);
  });

  it('a batch that succeeds runs once', async () => {
    let runs = 0;
    await runIsolating([1, 2, 3], async (batch) => {
      runs++;
      return new Map(batch.map((i) => [i, i]));
    });
    expect(runs).to.equal(1);
  });
});

import { expect } from 'chai';
import { createBatcher, ItemFailure, runIsolating } from '../../src/shared/batcher.js';
import { createLogger } from '../../src/shared/logger.js';
import { advance, deferred, settle, useFakeTimers } from '../support/fake-timers.js';

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

describe('batcher timing and failures (fake timers)', () => {
  useFakeTimers();

  /** A batcher whose batches stay in flight until the test ends them, in order. */
  function heldBatcher(opts: { maxSize: number; maxWaitMs: number; concurrency: number }) {
    const batches: number[][] = [];
    const held: ReturnType<typeof deferred<void>>[] = [];
    const sizes: number[] = [];
    const batcher = createBatcher<number, number>({
      ...opts,
      run: async (items) => {
        batches.push(items);
        const gate = deferred();
        held.push(gate);
        await gate.promise;
        return new Map(items.map((i) => [i, i * 10]));
      },
      logger: createLogger('silent'),
      onBatch: (size) => sizes.push(size),
    });
    return { batcher, batches, held, sizes };
  }

  it('an idle batcher sends on the next tick; while a batch runs, newcomers wait maxWaitMs and leave together', async () => {
    const { batcher, batches, held, sizes } = heldBatcher({ maxSize: 10, maxWaitMs: 50, concurrency: 2 });
    const one = batcher.submit(1);
    await advance(0);
    expect(batches).to.deep.equal([]);
    await advance(1);
    expect(batches).to.deep.equal([[1]]);

    const two = batcher.submit(2);
    const three = batcher.submit(3);
    await advance(49);
    expect(batches).to.deep.equal([[1]]);
    await advance(1);
    expect(batches).to.deep.equal([[1], [2, 3]]);

    // Both slots busy: 4 waits for a slot, however long that takes.
    const four = batcher.submit(4);
    await advance(1_000);
    expect(batches).to.have.length(2);
    expect(batcher.pending).to.equal(3);
    held[0]!.resolve();
    expect(await one).to.equal(10);
    await advance(49);
    expect(batches).to.have.length(2);
    await advance(1);
    expect(batches).to.deep.equal([[1], [2, 3], [4]]);

    held[1]!.resolve();
    held[2]!.resolve();
    expect(await Promise.all([two, three, four])).to.deep.equal([20, 30, 40]);
    expect(sizes).to.deep.equal([1, 2, 1]);
  });

  it('a full batch leaves without waiting for maxWaitMs', async () => {
    const { batcher, batches, held } = heldBatcher({ maxSize: 3, maxWaitMs: 1_000, concurrency: 2 });
    const first = batcher.submit(0);
    await advance(1);
    const rest = [1, 2, 3].map((i) => batcher.submit(i));
    await settle();
    expect(batches).to.deep.equal([[0], [1, 2, 3]]);
    for (const gate of held) gate.resolve();
    expect(await Promise.all([first, ...rest])).to.deep.equal([0, 10, 20, 30]);
  });

  it('drain() resolves only once nothing is queued or in flight', async () => {
    const { batcher, held } = heldBatcher({ maxSize: 2, maxWaitMs: 5, concurrency: 1 });
    await batcher.drain();
    const all = Promise.all([1, 2, 3].map((i) => batcher.submit(i)));
    let drained = false;
    const draining = batcher.drain().then(() => {
      drained = true;
    });
    await advance(1);
    // Pending counts queued items and batches in flight: 3 queued, then [1, 2] running and 3 queued.
    expect([batcher.pending, drained]).to.deep.equal([2, false]);
    held[0]!.resolve();
    await advance(5);
    expect([batcher.pending, drained]).to.deep.equal([1, false]);
    held[1]!.resolve();
    await draining;
    expect([batcher.pending, drained]).to.deep.equal([0, true]);
    expect(await all).to.deep.equal([10, 20, 30]);
  });

  it('a batch that fails as a whole rejects each of its items; an item left unanswered is rejected alone', async () => {
    const batcher = createBatcher<number, number>({
      run: async (items) => {
        if (items.includes(13)) throw new Error('deadlock detected');
        return new Map(items.filter((i) => i !== 2).map((i) => [i, i]));
      },
      maxSize: 3,
      maxWaitMs: 1,
      concurrency: 1,
      logger: createLogger('silent'),
    });
    const settled = Promise.allSettled([1, 2, 3, 13, 14].map((i) => batcher.submit(i)));
    await advance(5);
    const results = await settled;
    expect(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    ).to.deep.equal([1, 'batch returned no result for an item', 3, 'deadlock detected', 'deadlock detected']);
  });
});

describe('runIsolating hooks', () => {
  it('reports each split with its size and the one item that failed alone', async () => {
    const bad = new Error('constraint');
    const hooks: string[] = [];
    const calls: number[][] = [];
    const results = await runIsolating(
      [0, 1, 2, 3, 4, 5, 6, 7],
      async (batch) => {
        calls.push(batch);
        if (batch.includes(5)) throw bad;
        return new Map(batch.map((i) => [i, i]));
      },
      {
        onSplit: (err, size) => hooks.push(`split ${size} ${err === bad}`),
        onAlone: (item, err) => hooks.push(`alone ${item} ${err === bad}`),
      },
    );
    expect(hooks).to.deep.equal(['split 8 true', 'split 4 true', 'split 2 true', 'alone 5 true']);
    expect(calls).to.deep.equal([
      [0, 1, 2, 3, 4, 5, 6, 7],
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [4, 5],
      [4],
      [5],
      [6, 7],
    ]);
    expect(
      [...results.entries()].map(([k, v]) => [k, v instanceof ItemFailure ? 'failed' : v]),
    ).to.deep.equal([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 'failed'],
      [6, 6],
      [7, 7],
    ]);
  });
});

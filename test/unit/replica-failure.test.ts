import { expect } from 'chai';
import { replicaFailure } from '../../src/db/replica.js';

describe('replicaFailure: what a read on the replica retries on the primary', () => {
  it('takes the replica going away, in whatever form the driver reports it', () => {
    for (const err of [
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('canceling statement due to conflict with recovery'), { code: '40001' }),
      new Error('Connection terminated unexpectedly'),
      // The next statement of a transaction whose connection dropped (a search's second statement).
      new Error('Transaction query already complete, run with DEBUG=knex:tx for more info'),
    ]) {
      expect(replicaFailure(err), err.message).to.equal(true);
    }
  });

  it('leaves the read’s own faults alone: the primary would fail them the same way', () => {
    for (const err of [
      Object.assign(new Error('syntax error at or near "FROM"'), { code: '42601' }),
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      new Error('boom'),
      null,
    ]) {
      expect(replicaFailure(err), String(err)).to.equal(false);
    }
  });
});

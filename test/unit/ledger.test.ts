import { expect } from 'chai';
import { MOVEMENT_EFFECT, type Movement, movementDeltas } from '../../src/inventory/ledger.js';

const line = (product_id: number, kind: Movement['kind'], quantity: number): Movement => ({
  product_id,
  kind,
  quantity,
});

describe('stock ledger arithmetic (pure)', () => {
  it('moves each kind of unit between exactly the counters the design names', () => {
    expect(MOVEMENT_EFFECT).to.deep.equal({
      received: { available: 1, reserved: 0, sold: 0 },
      adjusted: { available: 1, reserved: 0, sold: 0 },
      reserved: { available: -1, reserved: 1, sold: 0 },
      released: { available: 1, reserved: -1, sold: 0 },
      sold: { available: 0, reserved: -1, sold: 1 },
      restocked: { available: 1, reserved: 0, sold: -1 },
    });
  });

  it('only received and adjusted lines change the total a product holds; the others move units', () => {
    const total = (kind: Movement['kind']) => {
      const e = MOVEMENT_EFFECT[kind];
      return e.available + e.reserved + e.sold;
    };
    expect(Object.keys(MOVEMENT_EFFECT).map((k) => [k, total(k as Movement['kind'])])).to.deep.equal([
      ['received', 1],
      ['adjusted', 1],
      ['reserved', 0],
      ['released', 0],
      ['sold', 0],
      ['restocked', 0],
    ]);
  });

  it('nets a product’s whole life into one change per counter', () => {
    const deltas = movementDeltas([
      line(7, 'received', 10),
      line(7, 'reserved', 4),
      line(7, 'released', 1),
      line(7, 'sold', 3),
      line(7, 'restocked', 2),
    ]);
    expect([...deltas]).to.deep.equal([[7, { available: 10 - 4 + 1 + 2, reserved: 4 - 1 - 3, sold: 3 - 2 }]]);
  });

  it('keeps products apart, in the order they first appear, and scales by quantity', () => {
    const deltas = movementDeltas([
      line(2, 'reserved', 3),
      line(1, 'reserved', 1),
      line(2, 'sold', 3),
      line(1, 'released', 1),
    ]);
    expect([...deltas]).to.deep.equal([
      [2, { available: -3, reserved: 0, sold: 3 }],
      [1, { available: 0, reserved: 0, sold: 0 }],
    ]);
  });

  it('takes a negative adjustment (units written off) off the available count only', () => {
    expect(movementDeltas([line(5, 'adjusted', -2)]).get(5)).to.deep.equal({
      available: -2,
      reserved: 0,
      sold: 0,
    });
  });

  it('answers no change for no movements', () => {
    expect(movementDeltas([]).size).to.equal(0);
  });
});

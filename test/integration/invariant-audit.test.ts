import { expect } from 'chai';
import { checkInvariants } from '../../src/audit/invariants.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createProduct } from '../support/fixtures.js';
import { expectHealthy, placeOrder } from '../support/orders.js';

describe('invariant audit (self-check)', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t.close());

  it('reports a counter that disagrees with the ledger and an ACTIVE reservation of a non-PENDING order', async () => {
    const p = await createProduct(t.container.db, { stock: 5 });
    const { orderId } = await placeOrder(t, [{ product_id: p.id, quantity: 2 }]);
    await expectHealthy(t);

    await t.container.db('inventory').where({ product_id: p.id }).increment('available_count', 1);
    await t.container.db('orders').where({ id: orderId }).update({ status: 'PAID' });
    const report = await checkInvariants(t.container.db);
    expect(report.ok).to.equal(false);
    expect(report.violations.map((v) => v.name)).to.have.members([
      'conservation',
      'active_reservation_has_pending_order',
      'status_history_valid',
    ]);
  });
});

import { expect } from 'chai';
import {
  AWAITING_PAYMENT,
  awaitsPayment,
  cancelledByRefund,
  ORDER_STATUSES,
} from '../../src/orders/state-machine.js';

/** The questions payments and admin ask the state machine; the answers written out, not derived. */
describe('order status predicates (pure)', () => {
  it('a charge is started or retried for a PENDING order only', () => {
    expect(ORDER_STATUSES.filter(awaitsPayment)).to.deep.equal(['PENDING']);
    expect(AWAITING_PAYMENT).to.deep.equal(['PENDING']);
  });

  it('a whole refund cancels a PAID order only', () => {
    expect(ORDER_STATUSES.filter(cancelledByRefund)).to.deep.equal(['PAID']);
  });
});

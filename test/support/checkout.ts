import { randomUUID } from 'node:crypto';
import type { TestContext } from './context.js';
import { createUser } from './fixtures.js';

export const ADDRESS = {
  name: 'Ada Lovelace',
  line1: '12 Analytical Row',
  city: 'London',
  postal_code: 'N1 9GU',
  country: 'GB',
};

/** A customer with a one-or-more-line cart, ready to check out. */
export async function shopperWithCart(t: TestContext, lines: { product_id: number; quantity: number }[]) {
  const user = await createUser(t.container);
  let cartId = '';
  for (const line of lines) {
    const res = await t.request().post('/cart/items').set(user.auth).send(line).expect(200);
    cartId = res.body.cart_id;
  }
  return { ...user, cartId };
}

export function checkoutBody(cartId: string, payment_method = 'pm_card_visa') {
  return { cart_id: cartId, shipping_address: ADDRESS, payment_method };
}

export function postCheckout(
  t: TestContext,
  shopper: { auth: Record<string, string>; cartId: string },
  opts: { key?: string; payment_method?: string } = {},
) {
  return t
    .request()
    .post('/checkout')
    .set(shopper.auth)
    .set('Idempotency-Key', opts.key ?? randomUUID())
    .send(checkoutBody(shopper.cartId, opts.payment_method));
}

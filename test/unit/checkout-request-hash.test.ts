import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { hashRequest } from '../../src/checkout/idempotency.js';
import { checkoutSchema } from '../../src/checkout/schemas.js';

const CART = '0b5e1c2a-7d3f-4e8a-9c61-2f4b8d9e0a13';
const ADDRESS = {
  name: 'Ada Lovelace',
  line1: '12 Analytical Row',
  city: 'London',
  postal_code: 'N1 9GU',
  country: 'GB',
};
const input = { cart_id: CART, shipping_address: ADDRESS, payment_method: 'pm_card_visa' };

/** The body above as canonical JSON: keys sorted at every level, no spaces. Written out by hand. */
const CANONICAL =
  `{"cart_id":"${CART}","payment_method":"pm_card_visa","shipping_address":` +
  '{"city":"London","country":"GB","line1":"12 Analytical Row","name":"Ada Lovelace","postal_code":"N1 9GU"}}';

describe('checkout request hash (Idempotency-Key, pure)', () => {
  it('is the SHA-256 of the canonical JSON of the request, in hex', () => {
    expect(hashRequest(input)).to.equal(createHash('sha256').update(CANONICAL).digest('hex'));
    // Pinned: keys already stored in idempotency_keys must keep matching their retries.
    expect(hashRequest(input)).to.equal('f32b31c23e5184db2d7801585427b0d34bcc0994f9759d7cfa3a5ed408bb5e23');
  });

  it('does not depend on the order of keys, at the top or inside the address', () => {
    const reordered = {
      payment_method: 'pm_card_visa',
      shipping_address: {
        country: 'GB',
        postal_code: 'N1 9GU',
        city: 'London',
        line1: '12 Analytical Row',
        name: 'Ada Lovelace',
      },
      cart_id: CART,
    };
    expect(hashRequest(reordered)).to.equal(hashRequest(input));
  });

  it('changes with any value: the cart, the card, a line of the address, an added optional field', () => {
    const variants = [
      { ...input, cart_id: '0b5e1c2a-7d3f-4e8a-9c61-2f4b8d9e0a14' },
      { ...input, payment_method: 'pm_card_mastercard' },
      { ...input, shipping_address: { ...ADDRESS, postal_code: 'N1 9GV' } },
      { ...input, shipping_address: { ...ADDRESS, line2: 'Flat 2' } },
    ];
    const hashes = [input, ...variants].map(hashRequest);
    expect(new Set(hashes).size).to.equal(5);
  });

  it('a value moved to another key is another request (keys and values are both hashed)', () => {
    const swapped = { ...input, shipping_address: { ...ADDRESS, name: 'London', city: 'Ada Lovelace' } };
    expect(hashRequest(swapped)).to.not.equal(hashRequest(input));
  });

  it('two bodies that validate to the same input (padding trimmed) are one request', () => {
    const padded = {
      ...input,
      shipping_address: { ...ADDRESS, name: '  Ada Lovelace ', city: 'London\n' },
    };
    expect(hashRequest(checkoutSchema.parse(padded))).to.equal(hashRequest(checkoutSchema.parse(input)));
  });
});

import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type FieldIssue, must } from '../api/client';
import { ErrorNote, Loading, Page } from '../components/Page';
import { money } from '../format';
import { href, navigate } from '../router';
import { announce, refreshCart, useShared } from '../store';

/** The payment provider's test cards: what each does is part of its label. */
export const TEST_CARDS = [
  { id: 'pm_card_visa', label: 'Visa ending in 4242', effect: 'pays' },
  { id: 'pm_card_mastercard', label: 'Mastercard ending in 4444', effect: 'pays' },
  {
    id: 'pm_card_threeDSecure2Required',
    label: 'Visa ending in 3220',
    effect: 'asks you to confirm with your bank (3-D Secure)',
  },
  { id: 'pm_card_chargeDeclined', label: 'Visa ending in 0002', effect: 'is declined' },
  {
    id: 'pm_card_chargeDeclinedInsufficientFunds',
    label: 'Visa ending in 9995',
    effect: 'is declined: insufficient funds',
  },
  {
    id: 'pm_card_chargeDeclinedExpiredCard',
    label: 'Visa ending in 0069',
    effect: 'is declined: expired card',
  },
  {
    id: 'pm_card_chargeDeclinedIncorrectCvc',
    label: 'Visa ending in 0127',
    effect: 'is declined: incorrect CVC',
  },
] as const;

const COUNTRIES: [string, string][] = [
  ['US', 'United States'],
  ['GB', 'United Kingdom'],
  ['CA', 'Canada'],
  ['DE', 'Germany'],
  ['FR', 'France'],
  ['NL', 'Netherlands'],
  ['ES', 'Spain'],
  ['IT', 'Italy'],
  ['AU', 'Australia'],
  ['JP', 'Japan'],
];

const FIELDS = [
  { name: 'name', label: 'Full name', autocomplete: 'name', required: true },
  { name: 'line1', label: 'Address', autocomplete: 'address-line1', required: true },
  { name: 'line2', label: 'Apartment, suite (optional)', autocomplete: 'address-line2', required: false },
  { name: 'city', label: 'City', autocomplete: 'address-level2', required: true },
  { name: 'region', label: 'State or region (optional)', autocomplete: 'address-level1', required: false },
  { name: 'postal_code', label: 'Postal code', autocomplete: 'postal-code', required: true },
] as const;

type Address = Record<(typeof FIELDS)[number]['name'] | 'country', string>;

/** A fresh Idempotency-Key (crypto.randomUUID needs a secure origin; a LAN address over http is not). */
function newKey() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function CheckoutPage() {
  const { cart, email } = useShared();
  const [address, setAddress] = useState<Address>({
    name: '',
    line1: '',
    line2: '',
    city: '',
    region: '',
    postal_code: '',
    country: 'US',
  });
  const [card, setCard] = useState<string>(TEST_CARDS[0].id);
  const [error, setError] = useState('');
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [busy, setBusy] = useState(false);
  // The same order, asked again after a lost answer, must not be placed twice: same body, same key.
  const attempt = useRef<{ key: string; body: string } | null>(null);

  useEffect(() => {
    if (!email) navigate(href('/signin', { next: '/checkout' }), { replace: true });
    else refreshCart().catch(() => undefined);
  }, [email]);

  if (!email)
    return (
      <Page title="Checkout">
        <Loading what="sign-in" />
      </Page>
    );
  const items = cart?.items.filter((i) => i.purchasable) ?? [];

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!cart?.cart_id) return;
    setBusy(true);
    setError('');
    setIssues([]);
    const shipping_address = {
      ...address,
      line2: address.line2.trim() || undefined,
      region: address.region.trim() || undefined,
    };
    const body = { cart_id: cart.cart_id, shipping_address, payment_method: card };
    const text = JSON.stringify(body);
    if (attempt.current?.body !== text) attempt.current = { key: newKey(), body: text };
    try {
      const order = must(
        await api.POST('/checkout', { body, params: { header: { 'Idempotency-Key': attempt.current.key } } }),
      );
      attempt.current = null;
      announce('Order placed.');
      await refreshCart().catch(() => undefined);
      navigate(href(`/orders/${order.order_id}`));
    } catch (err) {
      if (err instanceof ApiError) {
        attempt.current = null;
        setError(err.code === 'insufficient_stock' ? `Sorry, not enough stock: ${err.message}` : err.message);
        setIssues(err.issues);
      } else setError('Could not reach the store. Check your connection and place the order again.');
      document.getElementById('checkout-error')?.focus();
    } finally {
      setBusy(false);
    }
  };

  const issue = (field: string) => issues.find((i) => i.path === `shipping_address.${field}`)?.message;
  return (
    <Page title="Checkout">
      {!cart ? (
        <Loading what="your cart" />
      ) : items.length === 0 ? (
        <p>
          Your cart is empty. <a href="#/">Find something you like</a>.
        </p>
      ) : (
        <form class="checkout" onSubmit={submit}>
          <div id="checkout-error" tabIndex={-1}>
            {error && <ErrorNote message={error} />}
          </div>
          <section aria-labelledby="summary-heading">
            <h2 id="summary-heading">Your order</h2>
            <ul class="summary">
              {items.map((i) => (
                <li key={i.product_id}>
                  {i.quantity} × {i.name} <span>{money(i.line_total_cents)}</span>
                </li>
              ))}
            </ul>
            <p class="total">
              Total: <strong>{money(cart.total_cents)}</strong>
            </p>
          </section>
          <fieldset>
            <legend>Shipping address</legend>
            {FIELDS.map((field) => {
              const problem = issue(field.name);
              return (
                <div class="field" key={field.name}>
                  <label for={`addr-${field.name}`}>{field.label}</label>
                  <input
                    id={`addr-${field.name}`}
                    autocomplete={field.autocomplete}
                    required={field.required}
                    maxLength={field.name === 'postal_code' ? 20 : 200}
                    value={address[field.name]}
                    aria-invalid={problem ? true : undefined}
                    aria-describedby={problem ? `addr-${field.name}-issue` : undefined}
                    onInput={(e) =>
                      setAddress({ ...address, [field.name]: (e.target as HTMLInputElement).value })
                    }
                  />
                  {problem && (
                    <p id={`addr-${field.name}-issue`} class="error small">
                      {problem}
                    </p>
                  )}
                </div>
              );
            })}
            <div class="field">
              <label for="addr-country">Country</label>
              <select
                id="addr-country"
                autocomplete="country"
                value={address.country}
                onChange={(e) => setAddress({ ...address, country: (e.target as HTMLSelectElement).value })}
              >
                {COUNTRIES.map(([code, name]) => (
                  <option key={code} value={code}>
                    {name}
                  </option>
                ))}
              </select>
            </div>
          </fieldset>
          <fieldset>
            <legend>Payment: test card</legend>
            <p class="muted small">This is a demo store: choose a test card. No money moves.</p>
            {TEST_CARDS.map((c) => (
              <label class="check" key={c.id}>
                <input
                  type="radio"
                  name="card"
                  value={c.id}
                  checked={card === c.id}
                  onChange={() => setCard(c.id)}
                />
                {c.label} <span class="muted">– {c.effect}</span>
              </label>
            ))}
          </fieldset>
          <button type="submit" disabled={busy}>
            {busy ? 'Placing your order…' : `Place order (${money(cart.total_cents)})`}
          </button>
        </form>
      )}
    </Page>
  );
}

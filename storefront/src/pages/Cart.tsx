import { useEffect, useState } from 'preact/hooks';
import { api, credentials, must } from '../api/client';
import { ErrorNote, Loading, Page } from '../components/Page';
import { money } from '../format';
import { href } from '../router';
import { announce, refreshCart, useShared } from '../store';

export function CartPage() {
  const { cart, email } = useShared();
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    refreshCart().then(
      () => setLoaded(true),
      (err: Error) => {
        setError(err.message);
        setLoaded(true);
      },
    );
  }, []);

  const change = async (productId: number, name: string, quantity: number) => {
    setError('');
    try {
      if (quantity <= 0) {
        must(await api.DELETE('/cart/items/{product_id}', { params: { path: { product_id: productId } } }));
        announce(`Removed ${name} from your cart.`);
      } else {
        must(
          await api.PATCH('/cart/items/{product_id}', {
            params: { path: { product_id: productId } },
            body: { quantity },
          }),
        );
        announce(`${name}: quantity ${quantity}.`);
      }
      await refreshCart();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  if (!loaded && !cart)
    return (
      <Page title="Your cart">
        <Loading what="your cart" />
      </Page>
    );
  const items = cart?.items ?? [];
  return (
    <Page title="Your cart">
      {error && <ErrorNote message={error} />}
      {items.length === 0 ? (
        <p>
          Your cart is empty. <a href="#/">Find something you like</a>.
        </p>
      ) : (
        <>
          <table class="lines">
            <caption class="visually-hidden">Items in your cart</caption>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Price</th>
                <th scope="col">Quantity</th>
                <th scope="col">Total</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.product_id}>
                  <th scope="row">
                    <a href={href(`/products/${item.product_id}`)}>{item.name}</a>
                    {!item.purchasable && <span class="error small"> No longer sold</span>}
                    {item.price_changed && item.previous_price_cents !== undefined && (
                      <span class="small muted"> (was {money(item.previous_price_cents)})</span>
                    )}
                  </th>
                  <td>{money(item.price_cents)}</td>
                  <td>
                    <label class="visually-hidden" for={`qty-${item.product_id}`}>
                      Quantity of {item.name}
                    </label>
                    <input
                      id={`qty-${item.product_id}`}
                      class="qty"
                      type="number"
                      min={0}
                      max={99}
                      value={item.quantity}
                      onChange={(e) =>
                        change(item.product_id, item.name, Number((e.target as HTMLInputElement).value))
                      }
                    />
                  </td>
                  <td>{money(item.line_total_cents)}</td>
                  <td>
                    <button
                      type="button"
                      class="link"
                      onClick={() => change(item.product_id, item.name, 0)}
                      aria-label={`Remove ${item.name}`}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="total">
            Total: <strong>{money(cart?.total_cents ?? 0)}</strong>
          </p>
          {email ? (
            <a class="button" href="#/checkout">
              Check out
            </a>
          ) : (
            <p>
              <a class="button" href={href('/signin', { next: '/checkout' })}>
                Sign in to check out
              </a>{' '}
              or <a href={href('/register', { next: '/checkout' })}>create an account</a>. Your cart comes
              with you.
            </p>
          )}
          {!email && credentials.cartToken && <p class="muted small">Your cart is kept in this browser.</p>}
        </>
      )}
    </Page>
  );
}

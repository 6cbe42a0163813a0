import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, credentials, must, type Product } from '../api/client';
import { ErrorNote, Loading, Page } from '../components/Page';
import { ProductGrid, stockWords } from '../components/ProductCard';
import { money } from '../format';
import { href } from '../router';
import { announce, refreshCart } from '../store';

/** How often the stock shown is read again while the page is open and visible. */
const STOCK_POLL_MS = 5_000;

export function ProductPage({ id }: { id: number }) {
  const [product, setProduct] = useState<Product | null>(null);
  const [related, setRelated] = useState<Product[]>([]);
  const [error, setError] = useState('');
  const [quantity, setQuantity] = useState(1);
  const [adding, setAdding] = useState(false);
  const [added, setAdded] = useState('');

  useEffect(() => {
    let stopped = false;
    const load = () =>
      api
        .GET('/products/{id}', { params: { path: { id: String(id) } } })
        .then(must)
        .then(
          (p) => !stopped && setProduct(p),
          (err: Error) => !stopped && setError(err.message),
        );
    load();
    api.GET('/products/{id}/recommendations', { params: { path: { id: String(id) } } }).then(
      ({ data }) => !stopped && data && setRelated(data.recommendations),
      () => undefined,
    );
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') load();
    }, STOCK_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [id]);

  const add = async (e: Event) => {
    e.preventDefault();
    setAdding(true);
    setError('');
    try {
      const result = await api.POST('/cart/items', { body: { product_id: id, quantity } });
      const summary = must(result);
      if (summary.cart_token && !credentials.token) credentials.setCartToken(summary.cart_token);
      await refreshCart();
      const words = `Added ${quantity} × ${product?.name ?? 'item'} to your cart.`;
      setAdded(words);
      announce(words);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not add to the cart. Try again.');
    } finally {
      setAdding(false);
    }
  };

  if (!product) {
    return (
      <Page title="Product">{error ? <ErrorNote message={error} /> : <Loading what="the product" />}</Page>
    );
  }
  const max = Math.max(1, Math.min(product.available, 99));
  return (
    <Page title={product.name}>
      <div class="product">
        <p class="price big">{money(product.price_cents, product.currency)}</p>
        <p class="muted">
          SKU {product.sku} · <a href={href('/search', { category: product.category })}>{product.category}</a>
        </p>
        <p id="stock" class={product.in_stock ? 'stock' : 'stock out'} aria-live="polite">
          {stockWords(product)}
          {product.in_stock && <span class="muted"> ({product.available} available)</span>}
        </p>
        <p>{product.description}</p>
        {error && <ErrorNote message={error} />}
        <form class="add" onSubmit={add}>
          <label for="quantity">Quantity</label>
          <input
            id="quantity"
            type="number"
            min={1}
            max={max}
            value={quantity}
            onInput={(e) => setQuantity(Math.max(1, Number((e.target as HTMLInputElement).value) || 1))}
          />
          <button type="submit" disabled={!product.in_stock || adding}>
            {adding ? 'Adding…' : 'Add to cart'}
          </button>
        </form>
        {added && (
          <p class="ok">
            {added} <a href="#/cart">View cart</a>
          </p>
        )}
      </div>
      {related.length > 0 && (
        <section aria-labelledby="related-heading">
          <h2 id="related-heading">Customers also bought</h2>
          <ProductGrid products={related} label="Recommended products" />
        </section>
      )}
    </Page>
  );
}

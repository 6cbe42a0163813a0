import { useEffect, useState } from 'preact/hooks';
import { api, type Category, must, type Product } from '../api/client';
import { ErrorNote, Loading, Page } from '../components/Page';
import { ProductGrid } from '../components/ProductCard';
import { href } from '../router';

export function HomePage() {
  const [categories, setCategories] = useState<Category[] | null>(null);
  const [products, setProducts] = useState<Product[] | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    Promise.all([
      api.GET('/categories').then(must),
      api.GET('/products', { params: { query: { sort: 'newest', limit: 12, in_stock: 'true' } } }).then(must),
    ]).then(
      ([c, p]) => {
        setCategories(c.categories);
        setProducts(p.products);
      },
      (err: Error) => setError(err.message),
    );
  }, []);

  return (
    <Page title="Welcome" heading="Welcome to Shop">
      {error && <ErrorNote message={error} />}
      <section aria-labelledby="categories-heading">
        <h2 id="categories-heading">Categories</h2>
        {categories ? (
          <ul class="chips">
            {categories.map((c) => (
              <li key={c.slug}>
                <a href={href('/search', { category: c.slug })}>
                  {c.name} <span class="muted">({c.product_count})</span>
                </a>
              </li>
            ))}
          </ul>
        ) : (
          !error && <Loading what="categories" />
        )}
      </section>
      <section aria-labelledby="new-heading">
        <h2 id="new-heading">New products</h2>
        {products ? (
          <ProductGrid products={products} label="New products" />
        ) : (
          !error && <Loading what="products" />
        )}
      </section>
    </Page>
  );
}

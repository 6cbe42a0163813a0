import { useEffect, useState } from 'preact/hooks';
import { api, type Category, must, type Product, type ProductPage } from '../api/client';
import { ErrorNote, Loading, Page } from '../components/Page';
import { ProductGrid } from '../components/ProductCard';
import { money } from '../format';
import { href, navigate } from '../router';
import { announce } from '../store';

type Sort = 'relevance' | 'price_asc' | 'price_desc' | 'newest' | 'name';
const SORTS: [Sort, string][] = [
  ['relevance', 'Best match'],
  ['newest', 'Newest'],
  ['price_asc', 'Price: low to high'],
  ['price_desc', 'Price: high to low'],
  ['name', 'Name'],
];

interface Filters {
  q: string;
  category: string;
  min: string;
  max: string;
  inStock: boolean;
  sort: Sort | '';
}

const filtersOf = (query: URLSearchParams): Filters => ({
  q: query.get('q') ?? '',
  category: query.get('category') ?? '',
  min: query.get('min') ?? '',
  max: query.get('max') ?? '',
  inStock: query.get('in_stock') === '1',
  sort: (SORTS.some(([s]) => s === query.get('sort')) ? query.get('sort') : '') as Sort | '',
});

const link = (f: Filters) =>
  href('/search', {
    q: f.q,
    category: f.category,
    min: f.min,
    max: f.max,
    in_stock: f.inStock ? 1 : '',
    sort: f.sort,
  });

const priceLabel = (b: { min_cents: number; max_cents: number | null }) =>
  b.max_cents === null ? `${money(b.min_cents)} and up` : `${money(b.min_cents)} – ${money(b.max_cents)}`;

/** Search results: facets (categories, price ranges), the in-stock filter, sorts, and "load more" on cursors. */
export function SearchPage({ query }: { query: URLSearchParams }) {
  const f = filtersOf(query);
  const key = link(f);
  const [page, setPage] = useState<ProductPage | null>(null);
  const [products, setProducts] = useState<Product[]>([]);
  const [names, setNames] = useState<Record<string, string>>({});
  const [error, setError] = useState('');
  const [more, setMore] = useState(false);

  const params = (cursor?: string) => ({
    search: f.q || undefined,
    category: f.category || undefined,
    min_price: f.min ? Number(f.min) : undefined,
    max_price: f.max ? Number(f.max) : undefined,
    in_stock: f.inStock ? ('true' as const) : undefined,
    sort: f.sort || undefined,
    limit: 24,
    cursor,
  });

  useEffect(() => {
    api.GET('/categories').then(
      ({ data }) =>
        data && setNames(Object.fromEntries(data.categories.map((c: Category) => [c.slug, c.name]))),
      () => undefined,
    );
  }, []);

  useEffect(() => {
    setPage(null);
    setError('');
    api
      .GET('/products', { params: { query: params() } })
      .then(must)
      .then(
        (p) => {
          setPage(p);
          setProducts(p.products);
          announce(`${p.total_is_estimate ? 'About ' : ''}${p.total} results`);
        },
        (err: Error) => setError(err.message),
      );
  }, [key]);

  const loadMore = async () => {
    if (!page?.next_cursor) return;
    setMore(true);
    try {
      const next = must(await api.GET('/products', { params: { query: params(page.next_cursor) } }));
      setProducts((list) => [...list, ...next.products]);
      setPage(next);
      announce(`${next.products.length} more results loaded`);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setMore(false);
    }
  };

  const set = (change: Partial<Filters>) => navigate(link({ ...f, ...change }), { replace: true });
  const title = f.q
    ? `Results for “${f.q}”`
    : f.category
      ? (names[f.category] ?? f.category)
      : 'All products';

  return (
    <Page title={title}>
      <div class="search-layout">
        <aside aria-label="Filters" class="filters">
          <h2>Filter</h2>
          <label class="check">
            <input
              type="checkbox"
              checked={f.inStock}
              onChange={(e) => set({ inStock: (e.target as HTMLInputElement).checked })}
            />
            In stock only
          </label>
          <label for="sort">Sort by</label>
          <select
            id="sort"
            value={f.sort || (f.q ? 'relevance' : 'newest')}
            onChange={(e) => set({ sort: (e.target as HTMLSelectElement).value as Sort })}
          >
            {SORTS.filter(([s]) => f.q || s !== 'relevance').map(([s, label]) => (
              <option key={s} value={s}>
                {label}
              </option>
            ))}
          </select>
          {page && (
            <>
              <h3 id="facet-categories">Category</h3>
              <ul aria-labelledby="facet-categories" class="facets">
                {f.category && (
                  <li>
                    <a href={link({ ...f, category: '' })}>All categories</a>
                  </li>
                )}
                {page.facets.categories.map((c) => (
                  <li key={c.slug}>
                    <a
                      href={link({ ...f, category: c.slug })}
                      aria-current={c.slug === f.category ? 'true' : undefined}
                    >
                      {names[c.slug] ?? c.slug} <span class="muted">({c.count})</span>
                    </a>
                  </li>
                ))}
              </ul>
              <h3 id="facet-prices">Price</h3>
              <ul aria-labelledby="facet-prices" class="facets">
                {(f.min || f.max) && (
                  <li>
                    <a href={link({ ...f, min: '', max: '' })}>Any price</a>
                  </li>
                )}
                {page.facets.prices
                  .filter((b) => b.count > 0)
                  .map((b) => {
                    const min = String(b.min_cents);
                    const max = b.max_cents === null ? '' : String(b.max_cents);
                    return (
                      <li key={min}>
                        <a
                          href={link({ ...f, min, max })}
                          aria-current={f.min === min && f.max === max ? 'true' : undefined}
                        >
                          {priceLabel(b)} <span class="muted">({b.count})</span>
                        </a>
                      </li>
                    );
                  })}
              </ul>
              {page.facets.is_estimate && <p class="muted small">Counts are estimates.</p>}
            </>
          )}
        </aside>
        <section aria-labelledby="results-heading" class="results">
          <h2 id="results-heading" class="visually-hidden">
            Results
          </h2>
          {error && <ErrorNote message={error} />}
          {!page && !error && <Loading what="results" />}
          {page && (
            <>
              <p class="muted">
                {page.total_is_estimate ? 'About ' : ''}
                {page.total} {page.total === 1 ? 'product' : 'products'}
              </p>
              {products.length === 0 ? (
                <p>No products match. Try other words, or fewer filters.</p>
              ) : (
                <ProductGrid products={products} label="Search results" />
              )}
              {page.next_cursor && (
                <button type="button" class="secondary" onClick={loadMore} disabled={more} aria-busy={more}>
                  {more ? 'Loading…' : 'Load more'}
                </button>
              )}
            </>
          )}
        </section>
      </div>
    </Page>
  );
}

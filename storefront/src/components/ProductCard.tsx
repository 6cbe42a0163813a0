import type { Product } from '../api/client';
import { money } from '../format';
import { href } from '../router';

export function stockWords(p: { available: number; in_stock: boolean }) {
  if (!p.in_stock || p.available <= 0) return 'Out of stock';
  if (p.available <= 5) return `Only ${p.available} left`;
  return 'In stock';
}

/** A product in a list: its name is the link to its page. */
export function ProductCard({ product }: { product: Product }) {
  return (
    <li class="card">
      <h3 class="card-title">
        <a href={href(`/products/${product.id}`)}>{product.name}</a>
      </h3>
      <p class="price">{money(product.price_cents, product.currency)}</p>
      <p class={product.in_stock ? 'stock' : 'stock out'}>{stockWords(product)}</p>
      <p class="muted small">{product.category}</p>
    </li>
  );
}

export const ProductGrid = ({ products, label }: { products: Product[]; label: string }) => (
  <ul class="grid" aria-label={label}>
    {products.map((p) => (
      <ProductCard key={p.id} product={p} />
    ))}
  </ul>
);

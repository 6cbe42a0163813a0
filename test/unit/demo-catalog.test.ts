import { expect } from 'chai';
import { DEMO_CATEGORIES, generateProducts } from '../../src/demo/catalog.js';

describe('demo catalog generator', () => {
  const first10k = generateProducts(0, 10_000);

  it('defines at least 20 categories with unique slugs', () => {
    expect(DEMO_CATEGORIES.length).to.be.at.least(20);
    const slugs = new Set(DEMO_CATEGORIES.map((c) => c.slug));
    expect(slugs.size).to.equal(DEMO_CATEGORIES.length);
    for (const c of DEMO_CATEGORIES) {
      expect(c.slug).to.match(/^[a-z0-9-]+$/);
      expect(c.name).to.be.a('string').and.not.be.empty;
    }
  });

  it('is deterministic whatever the batch boundaries', () => {
    expect(generateProducts(0, 10)[5]).to.deep.equal(generateProducts(5, 1)[0]);
    const whole = generateProducts(1_000, 300);
    const pieces = [
      ...generateProducts(1_000, 7),
      ...generateProducts(1_007, 193),
      ...generateProducts(1_200, 100),
    ];
    expect(pieces).to.deep.equal(whole);
    expect(generateProducts(0, 10_000)).to.deep.equal(first10k);
  });

  it('produces the requested index range with zero-padded SKUs', () => {
    const batch = generateProducts(42, 3);
    expect(batch.map((p) => p.sku)).to.deep.equal(['SKU-00000042', 'SKU-00000043', 'SKU-00000044']);
    expect(generateProducts(7, 0)).to.deep.equal([]);
  });

  it('rejects invalid arguments', () => {
    expect(() => generateProducts(-1, 1)).to.throw(RangeError);
    expect(() => generateProducts(0, 1.5)).to.throw(RangeError);
  });

  it('has unique SKUs over 20k products', () => {
    const products = generateProducts(0, 20_000);
    expect(new Set(products.map((p) => p.sku)).size).to.equal(20_000);
  });

  it('uses every category and only known categories', () => {
    const known = new Set(DEMO_CATEGORIES.map((c) => c.slug));
    const used = new Set(first10k.map((p) => p.category));
    for (const slug of used) expect(known.has(slug), slug).to.equal(true);
    expect(used.size).to.equal(known.size);
  });

  it('keeps prices and stock as integers within bounds', () => {
    for (const p of first10k) {
      expect(Number.isInteger(p.price_cents), p.sku).to.equal(true);
      expect(p.price_cents, p.sku).to.be.within(100, 1_000_000);
      expect(Number.isInteger(p.stock), p.sku).to.equal(true);
      expect(p.stock, p.sku).to.be.within(0, 500);
      if (p.category === 'books') expect(p.price_cents, p.sku).to.be.within(500, 4000);
      if (p.category === 'audio') expect(p.price_cents, p.sku).to.be.within(1500, 40000);
    }
  });

  it('prices mostly end in 99, 49 or 00 cents', () => {
    const charm = first10k.filter((p) => [99, 49, 0].includes(p.price_cents % 100)).length;
    expect(charm).to.be.above(first10k.length * 0.7);
  });

  it('has some, but not many, out-of-stock products', () => {
    const zero = first10k.filter((p) => p.stock === 0).length;
    expect(zero).to.be.above(first10k.length * 0.02);
    expect(zero).to.be.below(first10k.length * 0.1);
  });

  it('contains many wireless headphones for search demos', () => {
    const hits = first10k.filter((p) => {
      const name = p.name.toLowerCase();
      return name.includes('wireless') && name.includes('headphones');
    });
    expect(hits.length).to.be.at.least(50);
    for (const p of hits) expect(p.category).to.equal('audio');
  });

  it('writes descriptions that mention the product noun', () => {
    for (const p of first10k.slice(0, 500)) {
      expect(p.description.length, p.sku).to.be.within(20, 300);
      expect(p.description, p.sku).to.match(/[.?]$/);
    }
    const skillets = first10k.filter((p) => p.category === 'kitchen' && p.name.includes('Skillet'));
    expect(skillets.length).to.be.above(0);
    for (const p of skillets) expect(p.description.toLowerCase()).to.include('skillet');
  });
});

import { DEMO_PASSWORD, DEMO_USERS, seedDemoStore } from '../../seeds/demo-store.js';
import type { Container } from '../container.js';
import { hashPassword } from '../users/passwords.js';

/** Seeds the demo store when the database is empty and mints fresh tokens for the demo users. */
export async function prepareDemoStore(container: Container, { products }: { products: number }) {
  const { db, users, logger } = container;
  const hasProducts = await db('products').first('id');
  if (!hasProducts) {
    const started = Date.now();
    await seedDemoStore(db, { products, hashPassword });
    logger.info({ products, ms: Date.now() - started }, 'seeded demo store');
  }
  const tokens: { email: string; role: string; token: string }[] = [];
  for (const u of DEMO_USERS) {
    const found = await users.findByEmail(u.email);
    if (found)
      tokens.push({ email: u.email, role: found.role, token: await users.issueToken(found.id, 'demo') });
  }
  return {
    tokens,
    banner(url: string) {
      const admin = tokens.find((t) => t.role === 'admin');
      const customer = tokens.find((t) => t.role === 'customer');
      const lines = [
        '',
        `Shop demo store is serving at ${url}`,
        '',
        'Try:',
        `  curl '${url}/products?search=wireles+headphones&sort=price_asc'`,
        `  curl '${url}/products?category=kitchen&in_stock=true&limit=5'`,
        `  curl '${url}/categories'`,
        customer ? `  curl -H 'Authorization: Bearer ${customer.token}' '${url}/cart'` : '',
        '',
        `Demo users (password "${DEMO_PASSWORD}"), tokens minted for this run:`,
        ...tokens.map((t) => `  ${t.email.padEnd(18)} ${t.role.padEnd(9)} ${t.token}`),
        admin ? '\nMore tokens: npm run shopctl -- users token <email>' : '',
        'Stop with Ctrl-C.',
        '',
      ];
      return `${lines.filter((l) => l !== '').join('\n')}\n`;
    },
  };
}

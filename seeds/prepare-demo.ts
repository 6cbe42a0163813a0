import type { Container } from '../src/container.js';
import { withAdvisoryLock } from '../src/db/index.js';
import { hashPassword } from '../src/users/index.js';
import { DEMO_PASSWORD, DEMO_USERS, seedDemoStore } from './demo-store.js';

/** Held while the demo store is checked and seeded: replicas started together seed it once. */
const DEMO_SEED_LOCK_KEY = 0x5340_0002;

/** Seeds the demo store when the database is empty and mints fresh tokens for the demo users. */
export async function prepareDemoStore(container: Container, { products }: { products: number }) {
  const { db, users, logger } = container;
  // Several processes may start with --demo at once (docker compose's scaled shop): the first
  // seeds, the others wait and then find the products there.
  await withAdvisoryLock(db, DEMO_SEED_LOCK_KEY, async () => {
    if (await db('products').first('id')) return;
    const started = Date.now();
    await seedDemoStore(db, { products, hashPassword });
    logger.info({ products, ms: Date.now() - started }, 'seeded demo store');
  });
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
        `Storefront: ${url}/`,
        '',
        `Shop demo store is serving at ${url}: open the storefront above to shop, or call the API:`,
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

import { isDeepStrictEqual } from 'node:util';
import type { CatalogService } from '../catalog/index.js';
import type { Db, Trx } from '../db/index.js';
import type { RetentionRule } from '../db/retention.js';
import type { Cache } from '../shared/cache.js';
import { DomainError } from '../shared/errors.js';
import type { Metrics } from '../shared/metrics.js';
import type { RateLimits } from '../shared/rate-limits.js';
import { hashToken, newToken } from '../users/index.js';
import { CART_TTL_MS, cartKey, readCachedCart, userRefKey, writeCachedCart } from './cache.js';
import * as q from './queries.js';
import type { AddItemInput, CartItemView, CartOwner, CartState, CartView } from './schemas.js';

export type CartService = ReturnType<typeof createCartService>;

interface Deps {
  db: Db;
  cache: Cache;
  catalog: CatalogService;
  metrics: Metrics;
  limits: { maxQuantity: number; maxLines: number; retentionMs: number };
  rateLimits: Pick<RateLimits, 'consume'>;
}

const CONVERTED_MARKER_TTL_MS = 10 * 60_000;
const PURGE_BATCH = 1_000;

const EMPTY_VIEW: CartView = { cart_id: null, items: [], item_count: 0, total_cents: 0 };

export function createCartService({ db, cache, catalog, limits, metrics, rateLimits }: Deps) {
  async function stateFromDb(db: Db | Trx, cartId: string): Promise<CartState | null> {
    const cart = await q.findCart(db, cartId);
    if (!cart) return null;
    return {
      cart_id: cart.id,
      user_id: cart.user_id,
      status: cart.status,
      version: cart.version,
      lines: await q.cartLines(db, cartId),
    };
  }

  async function loadState(cartId: string): Promise<CartState | null> {
    const cached = await readCachedCart(cache, cartId);
    if (cached) return cached;
    const state = await stateFromDb(db, cartId);
    if (state) await writeCachedCart(cache, state);
    return state;
  }

  /** The owner's active cart id, without creating one. */
  async function findCartId(owner: CartOwner): Promise<string | null> {
    if (owner.kind === 'guest') {
      return owner.token ? ((await q.findCartIdByGuestHash(db, hashToken(owner.token))) ?? null) : null;
    }
    // Written with setJson, so read back with getJson: a raw get would keep the JSON quotes.
    const ref = await cache.getJson<string>(userRefKey(owner.userId));
    if (ref) return ref;
    const id = await q.findActiveCartIdForUser(db, owner.userId);
    if (id) await cache.setJson(userRefKey(owner.userId), id, CART_TTL_MS);
    return id ?? null;
  }

  async function view(state: CartState | null): Promise<CartView> {
    if (state?.status !== 'active') return EMPTY_VIEW;
    const products = await catalog.getProducts(state.lines.map((l) => l.product_id));
    const items = state.lines.map((line): CartItemView => {
      const product = products.get(line.product_id);
      const price = product?.price_cents ?? line.price_cents_at_add;
      const item: CartItemView = {
        product_id: line.product_id,
        sku: product?.sku ?? null,
        name: product?.name ?? '(no longer available)',
        price_cents: price,
        quantity: line.quantity,
        line_total_cents: price * line.quantity,
        available: product?.available ?? 0,
        purchasable: product !== undefined,
        price_changed: price !== line.price_cents_at_add,
      };
      if (item.price_changed) item.previous_price_cents = line.price_cents_at_add;
      return item;
    });
    return {
      cart_id: state.cart_id,
      items,
      // A line of a product taken off sale stays visible (the shopper decides) but is not charged for.
      item_count: items.reduce((n, i) => n + (i.purchasable ? i.quantity : 0), 0),
      total_cents: items.reduce((n, i) => n + (i.purchasable ? i.line_total_cents : 0), 0),
    };
  }

  async function publish(state: CartState) {
    await writeCachedCart(cache, state);
  }

  /** Finds and locks the owner's cart, creating it when `create` is set and there is none. */
  async function lockOwnerCart(
    trx: Trx,
    owner: CartOwner,
    create: boolean,
  ): Promise<{ cart?: q.CartRow; cartToken?: string; created?: boolean }> {
    if (owner.kind === 'user') {
      const cart = await q.lockUserCart(trx, owner.userId);
      if (cart || !create) return { cart };
      // Two first adds may race to create the cart: the loser's insert waits for the winner's
      // commit, inserts nothing, and the loser then locks the winner's cart.
      const inserted = await q.insertUserCart(trx, owner.userId);
      return inserted ? { cart: inserted, created: true } : { cart: await q.lockUserCart(trx, owner.userId) };
    }
    if (owner.token) {
      const cart = await q.lockGuestCart(trx, hashToken(owner.token));
      // A token whose cart was purged (or never existed) on an add: start over with a new cart and
      // token rather than refuse the shopper forever. Other writes still answer cart_not_found.
      if (cart || !create) return { cart };
    }
    if (!create) return {};
    // Each guest cart is kept for CART_RETENTION: how many one address may open is bounded.
    await rateLimits.consume('guest_cart_ip', owner.address);
    const cartToken = newToken('cart');
    return { cart: await q.insertGuestCart(trx, hashToken(cartToken)), cartToken, created: true };
  }

  /**
   * Every cart write: find (or create) the owner's cart, lock its row so writes to one cart queue
   * behind each other (two tabs never lose a line), apply the change, bump the version, and publish
   * the committed state to Redis (versioned, so a slower writer cannot overwrite a newer state).
   * Each statement is a round trip inside a held row lock, so there are as few as the checks allow.
   */
  async function write(
    owner: CartOwner,
    create: boolean,
    mutate: (trx: Trx, cartId: string) => Promise<void>,
  ): Promise<{ state: CartState; cartToken?: string }> {
    let cartToken: string | undefined;
    let created = false;
    const state = await db.transaction(async (trx): Promise<CartState> => {
      const locked = await lockOwnerCart(trx, owner, create);
      cartToken = locked.cartToken;
      created = locked.created ?? false;
      if (!locked.cart) throw new DomainError('cart_not_found', 'No active cart');
      if (locked.cart.status !== 'active') {
        throw new DomainError('cart_converted', 'This cart has already been checked out or merged', {
          cart_id: locked.cart.id,
        });
      }
      await mutate(trx, locked.cart.id);
      const { id, user_id, status, version } = await q.touchCart(trx, locked.cart.id);
      return { cart_id: id, user_id, status, version, lines: await q.cartLines(trx, id) };
    });
    // Counted after the commit: a first add refused for stock rolls its new cart back.
    if (created) metrics.cartsCreated.inc();
    await publish(state);
    return cartToken ? { state, cartToken } : { state };
  }

  /** The product and line an add or update is about; 404 when the product is not sold. */
  async function sellableLine(trx: Trx, cartId: string, productId: number) {
    const line = await q.lineContext(trx, cartId, productId);
    if (!line?.active) throw new DomainError('not_found', 'Product not found', { product_id: productId });
    return line;
  }

  function checkQuantity(productId: number, requested: number, available: number) {
    if (requested > limits.maxQuantity) {
      throw new DomainError(
        'quantity_limit_exceeded',
        `At most ${limits.maxQuantity} of one product per cart`,
        {
          product_id: productId,
          requested,
          max: limits.maxQuantity,
        },
      );
    }
    if (requested > available) {
      throw new DomainError('insufficient_stock', `Only ${available} available`, {
        product_id: productId,
        requested,
        available,
      });
    }
  }

  return {
    async getCart(owner: CartOwner): Promise<CartView> {
      const id = await findCartId(owner);
      return view(id ? await loadState(id) : null);
    },

    async addItem(owner: CartOwner, input: AddItemInput) {
      const { state, cartToken } = await write(owner, true, async (trx, cartId) => {
        const product = await sellableLine(trx, cartId, input.product_id);
        const quantity = (product.existing ?? 0) + input.quantity;
        checkQuantity(input.product_id, quantity, product.available);
        if (product.existing === null && product.lines >= limits.maxLines) {
          throw new DomainError('cart_full', `A cart holds at most ${limits.maxLines} lines`, {
            max_lines: limits.maxLines,
          });
        }
        // Adding again means the shopper has seen today's price: the line stops being flagged.
        await q.upsertLine(trx, cartId, {
          product_id: input.product_id,
          quantity,
          price_cents_at_add: product.price_cents,
        });
      });
      if (owner.kind === 'user') await cache.setJson(userRefKey(owner.userId), state.cart_id, CART_TTL_MS);
      const cart = await view(state);
      return {
        cart_id: state.cart_id,
        item_count: cart.item_count,
        total_cents: cart.total_cents,
        cart_token: cartToken,
      };
    },

    async updateItem(owner: CartOwner, productId: number, quantity: number) {
      const { state } = await write(owner, false, async (trx, cartId) => {
        const line = await q.lineContext(trx, cartId, productId);
        if (line?.existing == null)
          throw new DomainError('not_found', 'Product is not in the cart', { product_id: productId });
        if (quantity === 0) {
          await q.deleteLines(trx, cartId, productId);
          return;
        }
        if (!line.active) throw new DomainError('not_found', 'Product not found', { product_id: productId });
        checkQuantity(productId, quantity, line.available);
        await q.setLineQuantity(trx, cartId, productId, quantity);
      });
      return { success: true as const, cart: await view(state) };
    },

    async removeItem(owner: CartOwner, productId: number) {
      const { state } = await write(owner, false, async (trx, cartId) => {
        const removed = await q.deleteLines(trx, cartId, productId);
        if (!removed)
          throw new DomainError('not_found', 'Product is not in the cart', { product_id: productId });
      });
      return { success: true as const, cart: await view(state) };
    },

    async clear(owner: CartOwner) {
      const { state } = await write(owner, false, async (trx, cartId) => {
        await q.deleteLines(trx, cartId);
      });
      return { success: true as const, cart: await view(state) };
    },

    /**
     * Folds a guest cart into the user's cart on sign-in: quantities summed, capped by stock and
     * the per-line limit; lines past the line limit or of products no longer sold are dropped.
     * Both carts are locked in id order so two sign-ins cannot deadlock.
     */
    async mergeGuestCart(guestToken: string, userId: string): Promise<string | null> {
      let createdInMerge = false;
      const result = await db.transaction(async (trx) => {
        const guestId = await q.findCartIdByGuestHash(trx, hashToken(guestToken));
        if (!guestId) return null;
        const { id: userCartId, created } = await q.upsertUserCart(trx, userId);
        createdInMerge = created;
        const [first, second] = [guestId, userCartId].sort();
        const locked = [await q.lockCart(trx, first!), await q.lockCart(trx, second!)];
        const guest = locked.find((c) => c?.id === guestId);
        if (guest?.status !== 'active') return null;
        const userLines = new Map((await q.cartLines(trx, userCartId)).map((l) => [l.product_id, l]));
        for (const line of await q.cartLines(trx, guestId)) {
          const product = await q.productForCart(trx, line.product_id);
          if (!product?.active) continue;
          const mine = userLines.get(line.product_id);
          if (!mine && userLines.size >= limits.maxLines) continue;
          const quantity = Math.min(
            (mine?.quantity ?? 0) + line.quantity,
            limits.maxQuantity,
            product.available,
          );
          if (quantity <= 0) continue;
          const merged = {
            product_id: line.product_id,
            quantity,
            price_cents_at_add: mine?.price_cents_at_add ?? line.price_cents_at_add,
          };
          await q.upsertLine(trx, userCartId, merged);
          userLines.set(line.product_id, merged);
        }
        await q.markMerged(trx, guestId);
        await q.touchCart(trx, userCartId);
        return { guestId, userCartId, userState: (await stateFromDb(trx, userCartId))! };
      });
      if (createdInMerge) metrics.cartsCreated.inc();
      if (!result) return null;
      await Promise.all([
        publish(result.userState),
        cache.del(cartKey(result.guestId)),
        cache.setJson(userRefKey(userId), result.userCartId, CART_TTL_MS),
      ]);
      return result.userCartId;
    },

    /** Checkout marks the cart converted inside its own transaction, then calls this after commit. */
    /**
     * After checkout converted a cart: its cached copy becomes a converted marker at the new
     * version (not a deletion, which a reader that fetched the old state just before could undo).
     */
    async forgetCart(cartId: string, userId: string | null, version: number) {
      const marker: CartState = { cart_id: cartId, user_id: userId, status: 'converted', version, lines: [] };
      await Promise.all([
        // Only a read racing the checkout could bring the old state back: minutes cover it.
        writeCachedCart(cache, marker, CONVERTED_MARKER_TTL_MS),
        ...(userId ? [cache.del(userRefKey(userId))] : []),
      ]);
    },

    /**
     * Whether the user's active cart reads the same from Redis as from PostgreSQL (true without a
     * cart): once writes have settled, a copy that differs is a lost or out-of-order cache write.
     */
    async cachedCopyIsCurrent(userId: string): Promise<boolean> {
      const id = await q.findActiveCartIdForUser(db, userId);
      const state = id ? await stateFromDb(db, id) : null;
      return !state || isDeepStrictEqual(await readCachedCart(cache, state.cart_id), state);
    },

    /**
     * In batches: one DELETE of a month's abandoned carts would hold its locks for minutes, and
     * their keys spread into one DEL overflow the call stack past ~150k carts (after the commit).
     */
    async purgeStaleCarts(olderThanMs = limits.retentionMs): Promise<number> {
      const cutoff = new Date(Date.now() - olderThanMs);
      let purged = 0;
      for (;;) {
        const deleted = await q.deleteStaleCarts(db, cutoff, PURGE_BATCH);
        await cache.del(
          ...deleted.flatMap((r) => (r.user_id ? [cartKey(r.id), userRefKey(r.user_id)] : [cartKey(r.id)])),
        );
        purged += deleted.length;
        // Merged carts live on in the user's cart; only an untouched active cart was abandoned.
        metrics.cartsAbandoned.inc(deleted.filter((r) => r.status === 'active').length);
        if (deleted.length < PURGE_BATCH) return purged;
      }
    },

    /** The purge as a retention rule, for the jobs and `shopctl db retention`. */
    retentionRule(): RetentionRule {
      return {
        table: 'carts',
        rule: `untouched for ${Math.round(limits.retentionMs / 86_400_000)} days (CART_RETENTION); converted ones go with their order`,
        due: (db) => q.countStaleCarts(db, new Date(Date.now() - limits.retentionMs)),
        purge: () => this.purgeStaleCarts(),
      };
    },
  };
}

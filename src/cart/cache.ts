import type { Cache } from '../shared/cache.js';
import type { CartState } from './schemas.js';

/**
 * The cart's Redis contract, written once. `cart:{id}` holds the cart's committed state, versioned
 * by `carts.version`: a write only lands when its version is newer, so a slower writer never
 * overwrites a newer state. `cartref:user:{userId}` holds a user's active cart id.
 */
export const CART_TTL_MS = 30 * 86_400_000;

export const cartKey = (cartId: string) => `cart:${cartId}`;
export const userRefKey = (userId: string) => `cartref:user:${userId}`;

export const readCachedCart = (cache: Cache, cartId: string) => cache.getJson<CartState>(cartKey(cartId));

export const writeCachedCart = (cache: Cache, state: CartState, ttlMs = CART_TTL_MS) =>
  cache.setIfNewer(cartKey(state.cart_id), state.version, state, ttlMs);

import { useEffect, useState } from 'preact/hooks';
import { api, type Cart, credentials, must } from './api/client';

/** What every page shares: who is signed in, the cart's count, the last announcement. */
export interface Shared {
  email: string | null;
  cart: Cart | null;
  /** Read out by the live region (an item added, signed out, …). */
  announcement: string;
}

let state: Shared = { email: credentials.token ? credentials.email : null, cart: null, announcement: '' };
const listeners = new Set<() => void>();

export function update(change: Partial<Shared>) {
  state = { ...state, ...change };
  for (const listener of listeners) listener();
}

export function useShared(): Shared {
  const [, rerender] = useState(0);
  useEffect(() => {
    const listener = () => rerender((n) => n + 1);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return state;
}

export const announce = (announcement: string) => update({ announcement });

/** The cart as the service holds it now (a guest's by its token, a customer's by their sign-in). */
export async function refreshCart(): Promise<Cart | null> {
  if (!credentials.token && !credentials.cartToken) {
    update({ cart: null });
    return null;
  }
  const cart = must(await api.GET('/cart'));
  update({ cart });
  return cart;
}

/** Signed in (register or login): the guest cart, sent along as X-Cart-Token, is now the customer's. */
export async function signedIn(token: string, email: string) {
  credentials.signIn(token, email);
  credentials.setCartToken(null);
  update({ email });
  await refreshCart();
}

export async function signOut() {
  await api.POST('/auth/logout').catch(() => undefined);
  credentials.signOut();
  credentials.setCartToken(null);
  update({ email: null, cart: null });
  announce('You are signed out.');
}

/** A token the service no longer accepts (signed out elsewhere, expired): back to guest. */
export function sessionEnded() {
  credentials.signOut();
  update({ email: null, cart: null });
}

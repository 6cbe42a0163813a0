import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Product = Schemas['Product'];
export type ProductPage = Schemas['ProductPage'];
export type Cart = Schemas['Cart'];
export type Order = Schemas['Order'];
export type OrderSummary = Schemas['OrderSummary'];
export type OrderStatus = Schemas['OrderStatus'];
export type Category = Schemas['Category'];
export type Notification = Schemas['NotificationList']['notifications'][number];
export type FieldIssue = Schemas['FieldIssue'];

const TOKEN = 'shop.token';
const EMAIL = 'shop.email';
const CART_TOKEN = 'shop.cart_token';

/** The shopper's credentials, kept in localStorage so a reload keeps them signed in and their guest cart. */
export const credentials = {
  get token() {
    return localStorage.getItem(TOKEN);
  },
  get email() {
    return localStorage.getItem(EMAIL);
  },
  get cartToken() {
    return localStorage.getItem(CART_TOKEN);
  },
  signIn(token: string, email: string) {
    localStorage.setItem(TOKEN, token);
    localStorage.setItem(EMAIL, email);
  },
  signOut() {
    localStorage.removeItem(TOKEN);
    localStorage.removeItem(EMAIL);
  },
  setCartToken(token: string | null) {
    if (token) localStorage.setItem(CART_TOKEN, token);
    else localStorage.removeItem(CART_TOKEN);
  },
};

/** Every call carries the bearer token when signed in, else the guest cart's token when there is one. */
const auth: Middleware = {
  onRequest({ request }) {
    const token = credentials.token;
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    const cartToken = credentials.cartToken;
    if (cartToken) request.headers.set('X-Cart-Token', cartToken);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: location.origin });
api.use(auth);

/** An API error as the shopper may read it: the service's message, its code and field issues. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** The answer's body, or an ApiError with the service's own words. */
export function must<T>(result: Result<T>): T {
  if (result.error !== undefined || result.data === undefined) {
    if (result.response.ok && result.error === undefined) return undefined as T;
    const body = result.error as { error?: { code?: string; message?: string; details?: unknown } };
    const details = Array.isArray(body?.error?.details) ? (body.error.details as FieldIssue[]) : [];
    throw new ApiError(
      result.response.status,
      body?.error?.code ?? 'unknown',
      body?.error?.message ?? `The store answered ${result.response.status}`,
      details,
    );
  }
  return result.data;
}

/**
 * Generated from the service's OpenAPI document (GET /openapi.json) by openapi-typescript.
 * Do not edit: run `npm run client:generate` after changing the API.
 */

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The process is up
         * @description Answers without touching PostgreSQL, Redis or the search engine: for a liveness probe.
         */
        get: operations["liveness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Ready for traffic: PostgreSQL is required, Redis and the search engine only speed things up
         * @description For the load balancer: 200 while PostgreSQL answers (`degraded` without Redis, the search engine or the replica), 503 when it does not, and while a stopping process drains.
         */
        get: operations["readiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus exposition
         * @description Open unless the service is configured with METRICS_TOKEN, which is then required.
         */
        get: operations["metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/products": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Browse and search products
         * @description Search, filters and sort, paged by `page` (1-50) or by `cursor` at any depth. `total` is exact up to 500 matches (or for a category alone, or the whole catalog), else estimated (`total_is_estimate`). A cursor is bound to its query: other filters or another sort are a 400, as are `page` and `cursor` together. `limit` above 100 is clamped. Searching on PostgreSQL, a search of more than 2,000 matches lists the first 2,000 it reads: relevance ranks them; price, name and date sort them with the matches among the first 1,000 products of that order (its top is exact where the words are common there). The total still counts every match, and a smaller match set is listed whole in every sort. A search the store cannot compute now (too many at once, or one past its time limit) is a 503 `search_busy` with `Retry-After`; answers already cached are never refused.
         */
        get: operations["listProducts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/products/suggest": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Search-as-you-type: product names for what has been typed so far
         * @description Distinct names of active products holding every word of `q`, the last one as a prefix ("wireless headph"). A last word of one letter, or stop words only, suggest nothing. `limit` above 10 is clamped.
         */
        get: operations["suggestProducts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/products/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One active product, with its live stock
         * @description An inactive or unknown product is a 404. Limited per address with browsing (`RATE_LIMIT_BROWSE_IP`).
         */
        get: operations["getProduct"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/categories": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Categories with their counts of active products
         * @description Every category, with how many active products it holds. Limited per address with browsing.
         */
        get: operations["listCategories"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/register": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create a customer account and sign in
         * @description The account is a customer, signed in at once: the answer carries its session token. An email already registered is a 409. A guest cart named by `X-Cart-Token` is folded into the new account.
         */
        post: operations["register"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign in
         * @description Failed attempts count per account and per address: past the limit, a 429.
         */
        post: operations["login"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Who the token belongs to
         * @description The signed-in user: id, email and role.
         */
        get: operations["me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * End this token's session
         * @description Revokes the token sent; the user's other sessions go on.
         */
        post: operations["logout"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Change the password (every session ends)
         * @description Needs the current password: a wrong one is a 403, and each attempt counts with the account's login attempts (past the limit, a 429). Every session ends; the answer carries a fresh token for this one.
         */
        post: operations["changePassword"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/cart": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The shopper's cart, priced live
         * @description With no cart yet, an empty one (`cart_id: null`).
         */
        get: operations["getCart"];
        put?: never;
        post?: never;
        /**
         * Empty the cart
         * @description Removes every line; the cart itself stays. No cart is a 404, a cart already checked out a 409 (`cart_converted`).
         */
        delete: operations["clearCart"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/cart/items": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add a product (quantities add up)
         * @description Nothing is reserved until checkout. A guest without a cart (or whose cart was purged) gets a new one: 201, with its token in `X-Cart-Token` and `cart_token`.
         */
        post: operations["addCartItem"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/cart/items/{product_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Remove a line
         * @description A product not in the cart is a 404. The answer is the cart without it.
         */
        delete: operations["removeCartItem"];
        options?: never;
        head?: never;
        /**
         * Set a line's quantity (0 removes it)
         * @description A product not in the cart, or no longer sold, is a 404; more than is available is a 409 (`insufficient_stock`); more than the per-line limit is a 422.
         */
        patch: operations["updateCartItem"];
        trace?: never;
    };
    "/products/{id}/recommendations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Customers who bought this also bought
         * @description Computed daily from paid orders of the last `RECOMMENDATIONS_WINDOW` (90 days): products bought in the same orders, ranked by how much more often than their own popularity would explain (cosine of their order sets, at least `RECOMMENDATIONS_MIN_SUPPORT` orders together), so a bestseller does not top every list. Served from a cache until the next batch; only active products in stock now are listed. A product no paid order has paired with another yet gets similar products (`source: similar`): the search engine's more-like-this, or on PostgreSQL the same category, shared name words and near price.
         */
        get: operations["productRecommendations"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/cart/recommendations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What goes with the whole cart
         * @description Computed daily from paid orders of the last `RECOMMENDATIONS_WINDOW` (90 days): products bought in the same orders, ranked by how much more often than their own popularity would explain (cosine of their order sets, at least `RECOMMENDATIONS_MIN_SUPPORT` orders together), so a bestseller does not top every list. Served from a cache until the next batch; only active products in stock now are listed. Products bought with several of the cart's products rank above those bought with one; none the cart holds is listed. When none of its products has co-purchase data, similar products (`source: similar`). An empty cart (or none) gets an empty list.
         */
        get: operations["cartRecommendations"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/checkout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Place an order from the cart
         * @description Reserves the stock of every line (all or none) for the reservation TTL and answers at once with a PENDING order; the payment runs in the background and moves it to PAID or PAYMENT_FAILED (see GET /orders/{id}). Refusals of the order itself (out_of_stock, purchase_limit, cart_empty, cart_converted, cart_not_found) are stored with the key and replayed like a success.
         */
        post: operations["checkout"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/orders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The customer's orders, newest first
         * @description Paged by `page` and `limit`; `next_page` is null on the last page.
         */
        get: operations["listOrders"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/orders/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One of the customer’s orders, with its items, history, payment and tracking
         * @description Another customer's order is a 404, also for an admin (whose view is GET /admin/orders/{id}).
         */
        get: operations["getOrder"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/orders/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel an order
         * @description A PENDING order releases its reservation; a PAID one is restocked and refunded. Any other status is a 409.
         */
        post: operations["cancelOrder"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/orders/{id}/payment/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Back from 3-D Secure: settle the payment now
         * @description While the charge still waits (3-D Secure, processing), re-fetches it from the provider and settles the order at once instead of waiting for the webhook; otherwise answers the order as PostgreSQL has it. Limited per user (`RATE_LIMIT_PAYMENT_CONFIRM_USER`).
         */
        post: operations["confirmPayment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/notifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The customer's notifications, newest first (at most 50)
         * @description Order paid, shipped, payment failed, expired: written by the notifications consumer (with AMQP_URL).
         */
        get: operations["listNotifications"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every user
         * @description Customers and admins, with their roles; never a password hash or a token.
         */
        get: operations["adminListUsers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/products": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create a product, with its initial stock received through the ledger
         * @description A SKU already in use is a 409. The creation is written to the audit log.
         */
        post: operations["adminCreateProduct"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/products/{sku}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change name, description, category, price or active
         * @description Only the fields sent change. Browse shows the change at once.
         */
        patch: operations["adminUpdateProduct"];
        trace?: never;
    };
    "/admin/products/{sku}/price": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Set the price
         * @description Past orders keep their price at purchase; carts show the new price and flag the change.
         */
        put: operations["adminSetPrice"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/products/{sku}/purchase-limit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Set (or lift, with null) a product's limit per customer
         * @description Counts the customer's units across PENDING, PAID, SHIPPED and DELIVERED orders; checked by every checkout.
         */
        put: operations["adminSetPurchaseLimit"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/inventory/{sku}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A product's stock counters and active reservations
         * @description Available, reserved and sold units, with the reservations that pending orders hold.
         */
        get: operations["adminGetInventory"];
        /**
         * Set the available count
         * @description Reserved and sold units are untouched; the change is an adjusted ledger line with the reason.
         */
        put: operations["adminSetStock"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/inventory/{sku}/adjust": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add to or take from the available count
         * @description Taking more than is available is a 409 (`insufficient_stock`); reserved and sold units are untouched. The change is an adjusted ledger line with the reason.
         */
        post: operations["adminAdjustStock"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/orders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every customer's orders, newest first
         * @description Optionally of one status only; at most `limit` orders.
         */
        get: operations["adminListOrders"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/orders/{id}/refund": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a PAID order and refund it now
         * @description On a CANCELLED order it only retries the refund, so running it again is safe.
         */
        post: operations["adminRefundOrder"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/orders/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Any customer's order, with the full actor of each move
         * @description As GET /orders/{id}, for any customer's order.
         */
        get: operations["adminGetOrder"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/orders/{id}/ship": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * PAID → SHIPPED, with carrier and tracking number
         * @description The order's `tracking_url` is built from them. An order in any other status than PAID is a 409.
         */
        post: operations["adminShipOrder"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/orders/{id}/deliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * SHIPPED → DELIVERED
         * @description An order in any other status than SHIPPED is a 409.
         */
        post: operations["adminDeliverOrder"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/orders/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel any order (PAID: restock and refund)
         * @description A PENDING order releases its reservation; a PAID one is restocked and its refund queued (POST /admin/orders/{id}/refund refunds at once). An order that can no longer be cancelled (shipped, delivered, already cancelled) is a 409.
         */
        post: operations["adminCancelOrder"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Check the store's invariants
         * @description A report, not a failure: 200 either way, with `ok` saying whether every invariant holds.
         */
        get: operations["adminAudit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/audit-log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Who changed what, newest first
         * @description Every admin change to products, stock, prices, orders and users, with its actor, reason and the state before and after; filtered by subject type and id.
         */
        get: operations["adminAuditLog"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/stripe": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Stripe events (PaymentIntents and refunds)
         * @description Mounted only with PAYMENT_PROVIDER=stripe (else a 404). The signature is checked over the raw body; each event id is handled once; the PaymentIntent or Refund it names is re-fetched from Stripe and checked against the order before anything settles. A non-2xx answer makes Stripe deliver it again.
         */
        post: operations["stripeWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * This document (OpenAPI 3.1)
         * @description Built from the zod schemas the routes validate with, so it lists what the service accepts and answers. Clients can be generated from it.
         */
        get: operations["openApiDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The interactive API reference (Swagger UI, served offline)
         * @description Swagger UI over GET /openapi.json, with "Try it out" against this service. Its scripts and styles come from this service alone, under a content security policy of its own.
         */
        get: operations["apiReference"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The reference page's scripts, styles and icons
         * @description Only the files the reference page loads; any other name is a 404. Cached for an hour.
         */
        get: operations["apiReferenceAsset"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        AdminOrderSummary: {
            /** Format: uuid */
            order_id: string;
            status: components["schemas"]["OrderStatus"];
            total_cents: number;
            currency: string;
            /** Format: date-time */
            created_at: string;
            /** @description Units across the lines */
            item_count: number;
            /** Format: uuid */
            user_id: string;
        };
        AdminProduct: {
            id: number;
            sku: string;
            name: string;
            description: string;
            category: string;
            price_cents: number;
            active: boolean;
            max_per_customer: number | null;
        };
        AuditLog: {
            entries: {
                id: number;
                actor: string;
                action: string;
                /** @enum {string} */
                subject_type: "product" | "inventory" | "price" | "order" | "user";
                subject_id: string;
                /** @description The state before, as JSON; null for a creation */
                before?: unknown;
                after?: unknown;
                reason: string | null;
                /** Format: date-time */
                created_at: string;
            }[];
        };
        AuditReport: {
            /** @description Every invariant holds */
            ok: boolean;
            checked: {
                products: number;
                orders: number;
            };
            violations: {
                /** @description The invariant's number in DESIGN.md */
                invariant: number;
                name: string;
                subject: string;
                message: string;
                details: {
                    [key: string]: unknown;
                };
            }[];
        };
        Cart: {
            /**
             * Format: uuid
             * @description null: no cart yet
             */
            cart_id: string | null;
            items: components["schemas"]["CartItem"][];
            item_count: number;
            total_cents: number;
        };
        CartChanged: {
            /** @enum {boolean} */
            success: true;
            cart: components["schemas"]["Cart"];
        };
        CartItem: {
            product_id: number;
            /** @description null once the product is no longer sold */
            sku: string | null;
            name: string;
            /** @description Today's price */
            price_cents: number;
            quantity: number;
            line_total_cents: number;
            available: number;
            /** @description False once the product is taken off sale: shown, but left out of item_count and total_cents */
            purchasable: boolean;
            /** @description The price moved since the line was added */
            price_changed: boolean;
            /** @description The price when added */
            previous_price_cents?: number;
        };
        CartRecommendations: {
            /** Format: uuid */
            cart_id: string | null;
            /**
             * @description `co_purchase`: bought in the same orders (the daily batch); `similar`: products like it, for one with no such orders yet
             * @enum {string}
             */
            source: "co_purchase" | "similar";
            /** @description The batch the list comes from (0 before the first); a new batch replaces every list at once */
            generation: number;
            /** @description Active products in stock now that go with the whole cart, none of those it holds; best first */
            recommendations: components["schemas"]["Product"][];
        };
        CartSummary: {
            /** Format: uuid */
            cart_id: string;
            item_count: number;
            total_cents: number;
            /** @description A new guest cart's token (also sent as the X-Cart-Token header): send it back on every cart call */
            cart_token?: string;
        };
        Category: {
            slug: string;
            name: string;
            /** @description Active products in the category */
            product_count: number;
        };
        CheckoutResult: {
            /** Format: uuid */
            order_id: string;
            /**
             * @description Reserved; the payment follows in the background
             * @enum {string}
             */
            status: "PENDING";
            total_cents: number;
        };
        Draining: {
            /**
             * @description This process is stopping: send traffic elsewhere
             * @enum {string}
             */
            status: "draining";
        };
        /** @description Every error: `{error: {code, message, details?}}`. */
        Error: {
            error: {
                code: components["schemas"]["ErrorCode"];
                /** @description For people, not for code */
                message: string;
                details?: unknown;
            };
        };
        /** @description An error answered with 400: validation_failed, bad_request, idempotency_key_missing. */
        Error400: components["schemas"]["Error"] & {
            error: {
                /** @enum {string} */
                code: "validation_failed" | "bad_request" | "idempotency_key_missing";
                /** @description validation_failed: every refused field with its reason */
                details?: components["schemas"]["FieldIssue"][];
            };
        };
        /** @description An error answered with 401: unauthorized. */
        Error401: components["schemas"]["Error"] & {
            error: {
                /** @enum {string} */
                code: "unauthorized";
            };
        };
        /** @description An error answered with 403: forbidden. */
        Error403: components["schemas"]["Error"] & {
            error: {
                /** @enum {string} */
                code: "forbidden";
            };
        };
        /** @description An error answered with 404: not_found, cart_not_found. */
        Error404: components["schemas"]["Error"] & {
            error: {
                /** @enum {string} */
                code: "not_found" | "cart_not_found";
            };
        };
        /** @description An error answered with 409: conflict, already_exists, insufficient_stock, out_of_stock, invalid_transition, purchase_limit, cart_converted, cart_empty, idempotency_in_progress. */
        Error409: components["schemas"]["Error"] & {
            error: {
                /** @enum {string} */
                code: "conflict" | "already_exists" | "insufficient_stock" | "out_of_stock" | "invalid_transition" | "purchase_limit" | "cart_converted" | "cart_empty" | "idempotency_in_progress";
            };
        };
        /** @description An error answered with 413: payload_too_large. */
        Error413: components["schemas"]["Error"] & {
            error: {
                /** @enum {string} */
                code: "payload_too_large";
            };
        };
        /** @description An error answered with 415: unsupported_media_type. */
        Error415: components["schemas"]["Error"] & {
            error: {
                /** @enum {string} */
                code: "unsupported_media_type";
            };
        };
        /** @description An error answered with 422: idempotency_key_reused, unprocessable, quantity_limit_exceeded, cart_full. */
        Error422: components["schemas"]["Error"] & {
            error: {
                /** @enum {string} */
                code: "idempotency_key_reused" | "unprocessable" | "quantity_limit_exceeded" | "cart_full";
            };
        };
        /** @description An error answered with 429: rate_limited. */
        Error429: components["schemas"]["Error"] & {
            error: {
                /** @enum {string} */
                code: "rate_limited";
            };
        };
        /** @description An error answered with 500: internal. */
        Error500: components["schemas"]["Error"] & {
            error: {
                /** @enum {string} */
                code: "internal";
            };
        };
        /** @description An error answered with 503: service_unavailable, search_busy. */
        Error503: components["schemas"]["Error"] & {
            error: {
                /** @enum {string} */
                code: "service_unavailable" | "search_busy";
            };
        };
        /**
         * @description The closed set of error codes; each always comes with the same HTTP status.
         * @enum {string}
         */
        ErrorCode: "validation_failed" | "bad_request" | "idempotency_key_missing" | "unauthorized" | "forbidden" | "not_found" | "method_not_allowed" | "conflict" | "already_exists" | "insufficient_stock" | "out_of_stock" | "invalid_transition" | "purchase_limit" | "cart_converted" | "cart_empty" | "cart_not_found" | "idempotency_in_progress" | "payload_too_large" | "unsupported_media_type" | "idempotency_key_reused" | "unprocessable" | "quantity_limit_exceeded" | "cart_full" | "rate_limited" | "internal" | "service_unavailable" | "search_busy";
        /** @description Counts over the whole match set, not just this page */
        Facets: {
            /** @description True when counted on the first matches (500 on PostgreSQL, 10,000 on the search engine) and scaled to the total */
            is_estimate: boolean;
            categories: {
                slug: string;
                count: number;
            }[];
            prices: {
                min_cents: number;
                /** @description null: the open-ended top bucket */
                max_cents: number | null;
                count: number;
            }[];
        };
        FieldIssue: {
            /** @description The field, dotted (`shipping_address.country`); empty for the body */
            path: string;
            message: string;
        };
        Inventory: {
            id: number;
            sku: string;
            name: string;
            available: number;
            /** @description Held by pending orders' reservations */
            reserved: number;
            sold: number;
            /** Format: date-time */
            updated_at: string;
            /** @description Soonest expiry first, at most 100 */
            active_reservations: {
                id: number;
                /** Format: uuid */
                order_id: string;
                quantity: number;
                /** Format: date-time */
                expires_at: string;
                /**
                 * @description PENDING while the reservation is active
                 * @enum {string}
                 */
                order_status: "PENDING" | "PAID" | "SHIPPED" | "DELIVERED" | "PAYMENT_FAILED" | "EXPIRED" | "CANCELLED";
            }[];
        };
        Liveness: {
            /** @enum {string} */
            status: "ok";
        };
        Me: {
            /** Format: uuid */
            id: string;
            /** Format: email */
            email: string;
            /** @enum {string} */
            role: "customer" | "admin";
        };
        NotificationList: {
            notifications: {
                id: number;
                /** @description The event it tells of: order.paid, order.shipped, … */
                kind: string;
                /** Format: uuid */
                order_id: string | null;
                message: string;
                /** Format: date-time */
                created_at: string;
            }[];
        };
        Order: {
            /** Format: uuid */
            order_id: string;
            status: components["schemas"]["OrderStatus"];
            status_reason: string | null;
            total_cents: number;
            currency: string;
            items: {
                product_id: number;
                sku: string;
                name: string;
                quantity: number;
                price_at_purchase_cents: number;
                line_total_cents: number;
            }[];
            status_history: {
                /**
                 * @description null: the order was created
                 * @enum {string|null}
                 */
                from: "PENDING" | "PAID" | "SHIPPED" | "DELIVERED" | "PAYMENT_FAILED" | "EXPIRED" | "CANCELLED" | null;
                to: components["schemas"]["OrderStatus"];
                reason: string | null;
                /** @description Who moved it (`admin:<id>`, `payments`, `sweeper`, …); a customer sees the role alone */
                actor: string;
                /** Format: date-time */
                at: string;
            }[];
            shipping_address: {
                name: string;
                line1: string;
                line2?: string;
                city: string;
                region?: string;
                postal_code: string;
                country: string;
            };
            /** @description The latest charge; null before the first attempt */
            payment: {
                /** @enum {string} */
                state: "pending" | "requires_action" | "succeeded" | "failed" | "canceled";
                failure_code: string | null;
                /** @description What the customer's browser needs to finish 3-D Secure: shown to the owner alone */
                next_action?: {
                    type: string;
                    client_secret?: string | null;
                } & {
                    [key: string]: unknown;
                };
            } | null;
            carrier: string | null;
            tracking_number: string | null;
            /** Format: uri */
            tracking_url: string | null;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        OrderList: {
            /** @description Newest first */
            orders: components["schemas"]["OrderSummary"][];
            total: number;
            page: number;
            next_page: number | null;
        };
        /** @enum {string} */
        OrderStatus: "PENDING" | "PAID" | "SHIPPED" | "DELIVERED" | "PAYMENT_FAILED" | "EXPIRED" | "CANCELLED";
        OrderSummary: {
            /** Format: uuid */
            order_id: string;
            status: components["schemas"]["OrderStatus"];
            total_cents: number;
            currency: string;
            /** Format: date-time */
            created_at: string;
            /** @description Units across the lines */
            item_count: number;
        };
        PasswordChanged: {
            /** Format: uuid */
            user_id: string;
            /** @description A fresh token: every earlier session ended */
            token: string;
            revoked_sessions: number;
        };
        Product: {
            id: number;
            sku: string;
            name: string;
            description: string;
            /** @description The category slug */
            category: string;
            price_cents: number;
            currency: string;
            /** @description Units on sale now; trails PostgreSQL by at most STOCK_CACHE_TTL */
            available: number;
            in_stock: boolean;
            /** Format: date-time */
            created_at: string;
        };
        ProductPage: {
            products: components["schemas"]["Product"][];
            total: number;
            total_is_estimate: boolean;
            facets: components["schemas"]["Facets"];
            /** @description The page number when paging by `page`; null when reading on from a cursor */
            page: number | null;
            next_page: number | null;
            /** @description Pass as `cursor=` (with the same filters and sort) for the next page */
            next_cursor: string | null;
        };
        ProductRecommendations: {
            product_id: number;
            /**
             * @description `co_purchase`: bought in the same orders (the daily batch); `similar`: products like it, for one with no such orders yet
             * @enum {string}
             */
            source: "co_purchase" | "similar";
            /** @description The batch the list comes from (0 before the first); a new batch replaces every list at once */
            generation: number;
            /** @description Active products in stock now, best first */
            recommendations: components["schemas"]["Product"][];
        };
        Readiness: {
            /**
             * @description degraded: Redis is down, or the search engine is (browse answers from PostgreSQL), or the read replica lags or is down (browse reads the primary): slower, still correct; unavailable: PostgreSQL is down
             * @enum {string}
             */
            status: "ready" | "degraded" | "unavailable";
            checks: {
                /** @enum {string} */
                postgres: "up" | "down";
                /** @enum {string} */
                redis: "up" | "down";
                /**
                 * @description With SEARCH_BACKEND=opensearch: down while the search breaker sends browse to PostgreSQL
                 * @enum {string}
                 */
                search?: "up" | "down";
                /**
                 * @description With DATABASE_REPLICA_URL: lagging (past REPLICA_MAX_LAG) or down while browse reads from the primary
                 * @enum {string}
                 */
                replica?: "up" | "lagging" | "down";
            };
        };
        RefundedOrder: {
            /** Format: uuid */
            order_id: string;
            status: components["schemas"]["OrderStatus"];
            status_reason: string | null;
            total_cents: number;
            currency: string;
            items: {
                product_id: number;
                sku: string;
                name: string;
                quantity: number;
                price_at_purchase_cents: number;
                line_total_cents: number;
            }[];
            status_history: {
                /**
                 * @description null: the order was created
                 * @enum {string|null}
                 */
                from: "PENDING" | "PAID" | "SHIPPED" | "DELIVERED" | "PAYMENT_FAILED" | "EXPIRED" | "CANCELLED" | null;
                to: components["schemas"]["OrderStatus"];
                reason: string | null;
                /** @description Who moved it (`admin:<id>`, `payments`, `sweeper`, …); a customer sees the role alone */
                actor: string;
                /** Format: date-time */
                at: string;
            }[];
            shipping_address: {
                name: string;
                line1: string;
                line2?: string;
                city: string;
                region?: string;
                postal_code: string;
                country: string;
            };
            /** @description The latest charge; null before the first attempt */
            payment: {
                /** @enum {string} */
                state: "pending" | "requires_action" | "succeeded" | "failed" | "canceled";
                failure_code: string | null;
                /** @description What the customer's browser needs to finish 3-D Secure: shown to the owner alone */
                next_action?: {
                    type: string;
                    client_secret?: string | null;
                } & {
                    [key: string]: unknown;
                };
            } | null;
            carrier: string | null;
            tracking_number: string | null;
            /** Format: uri */
            tracking_url: string | null;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
            /** @enum {string} */
            refund: "refunded" | "nothing_to_refund";
        };
        Session: {
            /** Format: uuid */
            user_id: string;
            /** @description Send as `Authorization: Bearer <token>` */
            token: string;
            /**
             * Format: uuid
             * @description The user's cart, when a guest cart (X-Cart-Token) was folded into it
             */
            cart_id?: string;
        };
        Suggestions: {
            suggestions: {
                /** @description A product name to search for (GET /products?search=…) */
                text: string;
            }[];
        };
        UserList: {
            users: {
                /** Format: uuid */
                id: string;
                /** Format: email */
                email: string;
                name: string | null;
                /** @enum {string} */
                role: "customer" | "admin";
                /** Format: date-time */
                created_at: string;
            }[];
        };
        WebhookReceipt: {
            /** @enum {boolean} */
            received: true;
            /**
             * @description This event id was handled before (or is being handled now): nothing was done
             * @enum {boolean}
             */
            duplicate?: true;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: {
        /** @description The request's id (the caller's `X-Request-Id` when sane, else a new one), in every log line */
        "X-Request-Id": string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    liveness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Liveness"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    readiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready, or degraded without Redis or the search engine */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
            /** @description PostgreSQL is down, or this process is draining */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"] | components["schemas"]["Draining"];
                };
            };
        };
    };
    metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Metrics in the Prometheus text format */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    listProducts: {
        parameters: {
            query?: {
                /** @description Words to find in name, description and SKU (typos tolerated) */
                search?: string;
                /** @description A category slug (see GET /categories) */
                category?: string;
                /** @description Lowest price, in cents */
                min_price?: number;
                /** @description Highest price, in cents */
                max_price?: number;
                /** @description true: only products with stock available now */
                in_stock?: "true" | "false";
                /** @description Default: relevance with a search, else newest; ties broken by id */
                sort?: "relevance" | "price_asc" | "price_desc" | "newest" | "name";
                /** @description 1 to 50 (default 1); not with cursor */
                page?: number;
                /** @description A next_cursor of an earlier page of the same query */
                cursor?: string;
                /** @description Products per page; above 100 is clamped */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of products, with the total and facets of the match set */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "products": [
                     *         {
                     *           "id": 42,
                     *           "sku": "KIT-0042",
                     *           "name": "Cast iron skillet",
                     *           "description": "Pre-seasoned, 26 cm",
                     *           "category": "kitchen",
                     *           "price_cents": 3499,
                     *           "currency": "USD",
                     *           "available": 17,
                     *           "in_stock": true,
                     *           "created_at": "2026-11-25T09:00:00.000Z"
                     *         }
                     *       ],
                     *       "total": 1,
                     *       "total_is_estimate": false,
                     *       "facets": {
                     *         "is_estimate": false,
                     *         "categories": [
                     *           {
                     *             "slug": "kitchen",
                     *             "count": 1
                     *           }
                     *         ],
                     *         "prices": [
                     *           {
                     *             "min_cents": 2500,
                     *             "max_cents": 5000,
                     *             "count": 1
                     *           }
                     *         ]
                     *       },
                     *       "page": 1,
                     *       "next_page": null,
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["ProductPage"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description Rate limited: retry after `Retry-After` seconds */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description Seconds until the limit lets a request through */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error429"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
            /** @description Search is busy (too many searches at once, or one past its time limit): retry after `Retry-After` seconds */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description Seconds to wait before searching again */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error503"];
                };
            };
        };
    };
    suggestProducts: {
        parameters: {
            query: {
                /** @description What the shopper has typed so far; the last word may be unfinished */
                q: string;
                /** @description Suggestions wanted; above 10 is clamped */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Names to offer, best first */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "suggestions": [
                     *         {
                     *           "text": "Wireless Headphones"
                     *         },
                     *         {
                     *           "text": "Headphone Amplifier"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["Suggestions"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description Rate limited: retry after `Retry-After` seconds */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description Seconds until the limit lets a request through */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error429"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    getProduct: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The product */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": 42,
                     *       "sku": "KIT-0042",
                     *       "name": "Cast iron skillet",
                     *       "description": "Pre-seasoned, 26 cm",
                     *       "category": "kitchen",
                     *       "price_cents": 3499,
                     *       "currency": "USD",
                     *       "available": 17,
                     *       "in_stock": true,
                     *       "created_at": "2026-11-25T09:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Product"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description Rate limited: retry after `Retry-After` seconds */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description Seconds until the limit lets a request through */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error429"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    listCategories: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every category */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        categories: components["schemas"]["Category"][];
                    };
                };
            };
            /** @description Rate limited: retry after `Retry-After` seconds */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description Seconds until the limit lets a request through */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error429"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    register: {
        parameters: {
            query?: never;
            header?: {
                /** @description A guest's cart token, as the first add answered it. Ignored with a bearer token; on sign-in (register, login) the guest cart is folded into the user's. */
                "X-Cart-Token"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "email": "ada@example.com",
                 *       "password": "correct horse battery",
                 *       "name": "Ada"
                 *     }
                 */
                "application/json": {
                    /** Format: email */
                    email: string;
                    password: string;
                    name?: string;
                };
            };
        };
        responses: {
            /** @description The new account and its session token */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "user_id": "3c2b1a09-8f7e-4d6c-b5a4-938271605f4e",
                     *       "token": "shop_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
                     *     }
                     */
                    "application/json": components["schemas"]["Session"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error409"];
                };
            };
            /** @description The body is too large */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error413"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error415"];
                };
            };
            /** @description Rate limited: retry after `Retry-After` seconds */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description Seconds until the limit lets a request through */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error429"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    login: {
        parameters: {
            query?: never;
            header?: {
                /** @description A guest's cart token, as the first add answered it. Ignored with a bearer token; on sign-in (register, login) the guest cart is folded into the user's. */
                "X-Cart-Token"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "email": "ada@example.com",
                 *       "password": "correct horse battery"
                 *     }
                 */
                "application/json": {
                    /** Format: email */
                    email: string;
                    password: string;
                };
            };
        };
        responses: {
            /** @description A session token */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "user_id": "3c2b1a09-8f7e-4d6c-b5a4-938271605f4e",
                     *       "token": "shop_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
                     *     }
                     */
                    "application/json": components["schemas"]["Session"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The body is too large */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error413"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error415"];
                };
            };
            /** @description Rate limited: retry after `Retry-After` seconds */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description Seconds until the limit lets a request through */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error429"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The signed-in user */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Me"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    logout: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Signed out: the token no longer works */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    changePassword: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    current_password: string;
                    new_password: string;
                };
            };
        };
        responses: {
            /** @description A fresh token for this session */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PasswordChanged"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The current password is wrong */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error403"];
                };
            };
            /** @description The body is too large */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error413"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error415"];
                };
            };
            /** @description Rate limited: retry after `Retry-After` seconds */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description Seconds until the limit lets a request through */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error429"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    getCart: {
        parameters: {
            query?: never;
            header?: {
                /** @description A guest's cart token, as the first add answered it. Ignored with a bearer token; on sign-in (register, login) the guest cart is folded into the user's. */
                "X-Cart-Token"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The cart */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "cart_id": "0b6f7d5e-3c1a-4e8b-9f2d-6a7c8e9f0a1b",
                     *       "items": [
                     *         {
                     *           "product_id": 42,
                     *           "sku": "KIT-0042",
                     *           "name": "Cast iron skillet",
                     *           "price_cents": 3499,
                     *           "quantity": 2,
                     *           "line_total_cents": 6998,
                     *           "available": 17,
                     *           "purchasable": true,
                     *           "price_changed": false
                     *         }
                     *       ],
                     *       "item_count": 2,
                     *       "total_cents": 6998
                     *     }
                     */
                    "application/json": components["schemas"]["Cart"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    clearCart: {
        parameters: {
            query?: never;
            header?: {
                /** @description A guest's cart token, as the first add answered it. Ignored with a bearer token; on sign-in (register, login) the guest cart is folded into the user's. */
                "X-Cart-Token"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The empty cart */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": true,
                     *       "cart": {
                     *         "cart_id": "0b6f7d5e-3c1a-4e8b-9f2d-6a7c8e9f0a1b",
                     *         "items": [
                     *           {
                     *             "product_id": 42,
                     *             "sku": "KIT-0042",
                     *             "name": "Cast iron skillet",
                     *             "price_cents": 3499,
                     *             "quantity": 2,
                     *             "line_total_cents": 6998,
                     *             "available": 17,
                     *             "purchasable": true,
                     *             "price_changed": false
                     *           }
                     *         ],
                     *         "item_count": 2,
                     *         "total_cents": 6998
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["CartChanged"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error409"];
                };
            };
            /** @description Rate limited: retry after `Retry-After` seconds */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description Seconds until the limit lets a request through */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error429"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    addCartItem: {
        parameters: {
            query?: never;
            header?: {
                /** @description A guest's cart token, as the first add answered it. Ignored with a bearer token; on sign-in (register, login) the guest cart is folded into the user's. */
                "X-Cart-Token"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "product_id": 42,
                 *       "quantity": 2
                 *     }
                 */
                "application/json": {
                    product_id: number;
                    quantity: number;
                };
            };
        };
        responses: {
            /** @description Added to the existing cart */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "cart_id": "0b6f7d5e-3c1a-4e8b-9f2d-6a7c8e9f0a1b",
                     *       "item_count": 2,
                     *       "total_cents": 6998
                     *     }
                     */
                    "application/json": components["schemas"]["CartSummary"];
                };
            };
            /** @description Added to a new guest cart */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description The new guest cart token */
                    "X-Cart-Token": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "cart_id": "0b6f7d5e-3c1a-4e8b-9f2d-6a7c8e9f0a1b",
                     *       "item_count": 2,
                     *       "total_cents": 6998,
                     *       "cart_token": "cart_4f9c2b7e1d8a6f3c5e0b9a7d2c4e6f8a"
                     *     }
                     */
                    "application/json": {
                        /** Format: uuid */
                        cart_id: string;
                        item_count: number;
                        total_cents: number;
                        /** @description A new guest cart's token (also sent as the X-Cart-Token header): send it back on every cart call */
                        cart_token: string;
                    };
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error409"];
                };
            };
            /** @description The body is too large */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error413"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error415"];
                };
            };
            /** @description Understood but refused */
            422: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error422"];
                };
            };
            /** @description Rate limited: retry after `Retry-After` seconds */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description Seconds until the limit lets a request through */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error429"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    removeCartItem: {
        parameters: {
            query?: never;
            header?: {
                /** @description A guest's cart token, as the first add answered it. Ignored with a bearer token; on sign-in (register, login) the guest cart is folded into the user's. */
                "X-Cart-Token"?: string;
            };
            path: {
                product_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The cart without the line */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": true,
                     *       "cart": {
                     *         "cart_id": "0b6f7d5e-3c1a-4e8b-9f2d-6a7c8e9f0a1b",
                     *         "items": [
                     *           {
                     *             "product_id": 42,
                     *             "sku": "KIT-0042",
                     *             "name": "Cast iron skillet",
                     *             "price_cents": 3499,
                     *             "quantity": 2,
                     *             "line_total_cents": 6998,
                     *             "available": 17,
                     *             "purchasable": true,
                     *             "price_changed": false
                     *           }
                     *         ],
                     *         "item_count": 2,
                     *         "total_cents": 6998
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["CartChanged"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error409"];
                };
            };
            /** @description Rate limited: retry after `Retry-After` seconds */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description Seconds until the limit lets a request through */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error429"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    updateCartItem: {
        parameters: {
            query?: never;
            header?: {
                /** @description A guest's cart token, as the first add answered it. Ignored with a bearer token; on sign-in (register, login) the guest cart is folded into the user's. */
                "X-Cart-Token"?: string;
            };
            path: {
                product_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "quantity": 3
                 *     }
                 */
                "application/json": {
                    quantity: number;
                };
            };
        };
        responses: {
            /** @description The cart after the change */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": true,
                     *       "cart": {
                     *         "cart_id": "0b6f7d5e-3c1a-4e8b-9f2d-6a7c8e9f0a1b",
                     *         "items": [
                     *           {
                     *             "product_id": 42,
                     *             "sku": "KIT-0042",
                     *             "name": "Cast iron skillet",
                     *             "price_cents": 3499,
                     *             "quantity": 2,
                     *             "line_total_cents": 6998,
                     *             "available": 17,
                     *             "purchasable": true,
                     *             "price_changed": false
                     *           }
                     *         ],
                     *         "item_count": 2,
                     *         "total_cents": 6998
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["CartChanged"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error409"];
                };
            };
            /** @description The body is too large */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error413"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error415"];
                };
            };
            /** @description Understood but refused */
            422: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error422"];
                };
            };
            /** @description Rate limited: retry after `Retry-After` seconds */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description Seconds until the limit lets a request through */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error429"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    productRecommendations: {
        parameters: {
            query?: {
                /** @description Products wanted; above 10 is clamped */
                limit?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Products bought with it, best first */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "product_id": 42,
                     *       "source": "co_purchase",
                     *       "generation": 12,
                     *       "recommendations": [
                     *         {
                     *           "id": 43,
                     *           "sku": "KIT-0043",
                     *           "name": "Chain mail scrubber",
                     *           "description": "Stainless steel, for cast iron",
                     *           "category": "kitchen",
                     *           "price_cents": 1299,
                     *           "currency": "USD",
                     *           "available": 40,
                     *           "in_stock": true,
                     *           "created_at": "2026-11-25T09:00:00.000Z"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["ProductRecommendations"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description Rate limited: retry after `Retry-After` seconds */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description Seconds until the limit lets a request through */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error429"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    cartRecommendations: {
        parameters: {
            query?: {
                /** @description Products wanted; above 10 is clamped */
                limit?: number;
            };
            header?: {
                /** @description A guest's cart token, as the first add answered it. Ignored with a bearer token; on sign-in (register, login) the guest cart is folded into the user's. */
                "X-Cart-Token"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Products that go with the cart, best first */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "cart_id": "0b6f7d5e-3c1a-4e8b-9f2d-6a7c8e9f0a1b",
                     *       "source": "co_purchase",
                     *       "generation": 12,
                     *       "recommendations": [
                     *         {
                     *           "id": 43,
                     *           "sku": "KIT-0043",
                     *           "name": "Chain mail scrubber",
                     *           "description": "Stainless steel, for cast iron",
                     *           "category": "kitchen",
                     *           "price_cents": 1299,
                     *           "currency": "USD",
                     *           "available": 40,
                     *           "in_stock": true,
                     *           "created_at": "2026-11-25T09:00:00.000Z"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["CartRecommendations"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description Rate limited: retry after `Retry-After` seconds */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description Seconds until the limit lets a request through */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error429"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    checkout: {
        parameters: {
            query?: never;
            header: {
                /** @description One key, one order: a retry with the same key and body replays the first answer (status and body); the same key with another body is a 422. */
                "Idempotency-Key": string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "cart_id": "0b6f7d5e-3c1a-4e8b-9f2d-6a7c8e9f0a1b",
                 *       "shipping_address": {
                 *         "name": "Ada Lovelace",
                 *         "line1": "12 St James Square",
                 *         "city": "London",
                 *         "postal_code": "SW1Y 4JH",
                 *         "country": "GB"
                 *       },
                 *       "payment_method": "pm_card_visa"
                 *     }
                 */
                "application/json": {
                    /** Format: uuid */
                    cart_id: string;
                    shipping_address: {
                        name: string;
                        line1: string;
                        line2?: string;
                        city: string;
                        region?: string;
                        postal_code: string;
                        country: string;
                    };
                    payment_method: string;
                };
            };
        };
        responses: {
            /** @description The order, PENDING with its stock reserved */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description The key the order was placed under */
                    "Idempotency-Key": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "order_id": "5f3e2d1c-0b9a-4877-a665-544332211000",
                     *       "status": "PENDING",
                     *       "total_cents": 6998
                     *     }
                     */
                    "application/json": components["schemas"]["CheckoutResult"];
                };
            };
            /** @description A malformed body, or the Idempotency-Key header missing or malformed */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error409"];
                };
            };
            /** @description The body is too large */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error413"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error415"];
                };
            };
            /** @description Understood but refused */
            422: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error422"];
                };
            };
            /** @description Rate limited: retry after `Retry-After` seconds */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description Seconds until the limit lets a request through */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error429"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    listOrders: {
        parameters: {
            query?: {
                page?: number;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of orders */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrderList"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    getOrder: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The order */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "order_id": "5f3e2d1c-0b9a-4877-a665-544332211000",
                     *       "status": "PAID",
                     *       "status_reason": null,
                     *       "total_cents": 6998,
                     *       "currency": "USD",
                     *       "items": [
                     *         {
                     *           "product_id": 42,
                     *           "sku": "KIT-0042",
                     *           "name": "Cast iron skillet",
                     *           "quantity": 2,
                     *           "price_at_purchase_cents": 3499,
                     *           "line_total_cents": 6998
                     *         }
                     *       ],
                     *       "status_history": [
                     *         {
                     *           "from": null,
                     *           "to": "PENDING",
                     *           "reason": "checkout",
                     *           "actor": "customer",
                     *           "at": "2026-12-02T10:00:00.000Z"
                     *         },
                     *         {
                     *           "from": "PENDING",
                     *           "to": "PAID",
                     *           "reason": "payment succeeded",
                     *           "actor": "payments",
                     *           "at": "2026-12-02T10:00:01.000Z"
                     *         }
                     *       ],
                     *       "shipping_address": {
                     *         "name": "Ada Lovelace",
                     *         "line1": "12 St James Square",
                     *         "city": "London",
                     *         "postal_code": "SW1Y 4JH",
                     *         "country": "GB"
                     *       },
                     *       "payment": {
                     *         "state": "succeeded",
                     *         "failure_code": null
                     *       },
                     *       "carrier": null,
                     *       "tracking_number": null,
                     *       "tracking_url": null,
                     *       "created_at": "2026-12-02T10:00:00.000Z",
                     *       "updated_at": "2026-12-02T10:00:01.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Order"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    cancelOrder: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "reason": "ordered twice"
                 *     }
                 */
                "application/json": {
                    reason?: string;
                };
            };
        };
        responses: {
            /** @description The cancelled order */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "order_id": "5f3e2d1c-0b9a-4877-a665-544332211000",
                     *       "status": "PAID",
                     *       "status_reason": null,
                     *       "total_cents": 6998,
                     *       "currency": "USD",
                     *       "items": [
                     *         {
                     *           "product_id": 42,
                     *           "sku": "KIT-0042",
                     *           "name": "Cast iron skillet",
                     *           "quantity": 2,
                     *           "price_at_purchase_cents": 3499,
                     *           "line_total_cents": 6998
                     *         }
                     *       ],
                     *       "status_history": [
                     *         {
                     *           "from": null,
                     *           "to": "PENDING",
                     *           "reason": "checkout",
                     *           "actor": "customer",
                     *           "at": "2026-12-02T10:00:00.000Z"
                     *         },
                     *         {
                     *           "from": "PENDING",
                     *           "to": "PAID",
                     *           "reason": "payment succeeded",
                     *           "actor": "payments",
                     *           "at": "2026-12-02T10:00:01.000Z"
                     *         }
                     *       ],
                     *       "shipping_address": {
                     *         "name": "Ada Lovelace",
                     *         "line1": "12 St James Square",
                     *         "city": "London",
                     *         "postal_code": "SW1Y 4JH",
                     *         "country": "GB"
                     *       },
                     *       "payment": {
                     *         "state": "succeeded",
                     *         "failure_code": null
                     *       },
                     *       "carrier": null,
                     *       "tracking_number": null,
                     *       "tracking_url": null,
                     *       "created_at": "2026-12-02T10:00:00.000Z",
                     *       "updated_at": "2026-12-02T10:00:01.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Order"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error409"];
                };
            };
            /** @description The body is too large */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error413"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error415"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    confirmPayment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The order after the charge was re-read */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "order_id": "5f3e2d1c-0b9a-4877-a665-544332211000",
                     *       "status": "PAID",
                     *       "status_reason": null,
                     *       "total_cents": 6998,
                     *       "currency": "USD",
                     *       "items": [
                     *         {
                     *           "product_id": 42,
                     *           "sku": "KIT-0042",
                     *           "name": "Cast iron skillet",
                     *           "quantity": 2,
                     *           "price_at_purchase_cents": 3499,
                     *           "line_total_cents": 6998
                     *         }
                     *       ],
                     *       "status_history": [
                     *         {
                     *           "from": null,
                     *           "to": "PENDING",
                     *           "reason": "checkout",
                     *           "actor": "customer",
                     *           "at": "2026-12-02T10:00:00.000Z"
                     *         },
                     *         {
                     *           "from": "PENDING",
                     *           "to": "PAID",
                     *           "reason": "payment succeeded",
                     *           "actor": "payments",
                     *           "at": "2026-12-02T10:00:01.000Z"
                     *         }
                     *       ],
                     *       "shipping_address": {
                     *         "name": "Ada Lovelace",
                     *         "line1": "12 St James Square",
                     *         "city": "London",
                     *         "postal_code": "SW1Y 4JH",
                     *         "country": "GB"
                     *       },
                     *       "payment": {
                     *         "state": "succeeded",
                     *         "failure_code": null
                     *       },
                     *       "carrier": null,
                     *       "tracking_number": null,
                     *       "tracking_url": null,
                     *       "created_at": "2026-12-02T10:00:00.000Z",
                     *       "updated_at": "2026-12-02T10:00:01.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Order"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error409"];
                };
            };
            /** @description Rate limited: retry after `Retry-After` seconds */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description Seconds until the limit lets a request through */
                    "Retry-After": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error429"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
            /** @description A dependency did not answer; retry later */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error503"];
                };
            };
        };
    };
    listNotifications: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The notifications */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NotificationList"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    adminListUsers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The users, oldest first */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserList"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The token is valid but may not do this */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error403"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    adminCreateProduct: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "sku": "KIT-0042",
                 *       "name": "Cast iron skillet",
                 *       "description": "Pre-seasoned, 26 cm",
                 *       "category": "kitchen",
                 *       "price_cents": 3499,
                 *       "stock": 100
                 *     }
                 */
                "application/json": {
                    sku: string;
                    name: string;
                    /** @default  */
                    description?: string;
                    category: string;
                    price_cents: number;
                    /** @default true */
                    active?: boolean;
                    /** @default 0 */
                    stock?: number;
                };
            };
        };
        responses: {
            /** @description The new product */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": 42,
                     *       "sku": "KIT-0042",
                     *       "name": "Cast iron skillet",
                     *       "description": "Pre-seasoned, 26 cm",
                     *       "category": "kitchen",
                     *       "price_cents": 3499,
                     *       "active": true,
                     *       "max_per_customer": null
                     *     }
                     */
                    "application/json": components["schemas"]["AdminProduct"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The token is valid but may not do this */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error403"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error409"];
                };
            };
            /** @description The body is too large */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error413"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error415"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    adminUpdateProduct: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                sku: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "Cast iron skillet, 28 cm"
                 *     }
                 */
                "application/json": {
                    name?: string;
                    description?: string;
                    category?: string;
                    price_cents?: number;
                    active?: boolean;
                };
            };
        };
        responses: {
            /** @description The product */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminProduct"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The token is valid but may not do this */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error403"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description The body is too large */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error413"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error415"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    adminSetPrice: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                sku: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "price_cents": 2999,
                 *       "reason": "winter sale"
                 *     }
                 */
                "application/json": {
                    price_cents: number;
                    reason?: string;
                };
            };
        };
        responses: {
            /** @description The product */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminProduct"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The token is valid but may not do this */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error403"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description The body is too large */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error413"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error415"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    adminSetPurchaseLimit: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                sku: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "max_per_customer": 2,
                 *       "reason": "flash sale"
                 *     }
                 */
                "application/json": {
                    max_per_customer: number | null;
                    reason?: string;
                };
            };
        };
        responses: {
            /** @description The product */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminProduct"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The token is valid but may not do this */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error403"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description The body is too large */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error413"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error415"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    adminGetInventory: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                sku: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The stock */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Inventory"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The token is valid but may not do this */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error403"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    adminSetStock: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                sku: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "quantity": 250,
                 *       "reason": "stock take"
                 *     }
                 */
                "application/json": {
                    quantity: number;
                    reason: string;
                };
            };
        };
        responses: {
            /** @description The stock */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Inventory"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The token is valid but may not do this */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error403"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description The body is too large */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error413"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error415"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    adminAdjustStock: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                sku: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "delta": -3,
                 *       "reason": "damaged in storage"
                 *     }
                 */
                "application/json": {
                    delta: number;
                    reason: string;
                };
            };
        };
        responses: {
            /** @description The stock */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Inventory"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The token is valid but may not do this */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error403"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error409"];
                };
            };
            /** @description The body is too large */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error413"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error415"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    adminListOrders: {
        parameters: {
            query?: {
                status?: "PENDING" | "PAID" | "SHIPPED" | "DELIVERED" | "PAYMENT_FAILED" | "EXPIRED" | "CANCELLED";
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The orders */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        orders: components["schemas"]["AdminOrderSummary"][];
                    };
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The token is valid but may not do this */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error403"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    adminRefundOrder: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "reason": "damaged in transit"
                 *     }
                 */
                "application/json": {
                    reason?: string;
                };
            };
        };
        responses: {
            /** @description The order, with what happened to the money */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RefundedOrder"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The token is valid but may not do this */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error403"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error409"];
                };
            };
            /** @description The body is too large */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error413"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error415"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
            /** @description A dependency did not answer; retry later */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error503"];
                };
            };
        };
    };
    adminGetOrder: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The order */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "order_id": "5f3e2d1c-0b9a-4877-a665-544332211000",
                     *       "status": "PAID",
                     *       "status_reason": null,
                     *       "total_cents": 6998,
                     *       "currency": "USD",
                     *       "items": [
                     *         {
                     *           "product_id": 42,
                     *           "sku": "KIT-0042",
                     *           "name": "Cast iron skillet",
                     *           "quantity": 2,
                     *           "price_at_purchase_cents": 3499,
                     *           "line_total_cents": 6998
                     *         }
                     *       ],
                     *       "status_history": [
                     *         {
                     *           "from": null,
                     *           "to": "PENDING",
                     *           "reason": "checkout",
                     *           "actor": "customer",
                     *           "at": "2026-12-02T10:00:00.000Z"
                     *         },
                     *         {
                     *           "from": "PENDING",
                     *           "to": "PAID",
                     *           "reason": "payment succeeded",
                     *           "actor": "payments",
                     *           "at": "2026-12-02T10:00:01.000Z"
                     *         }
                     *       ],
                     *       "shipping_address": {
                     *         "name": "Ada Lovelace",
                     *         "line1": "12 St James Square",
                     *         "city": "London",
                     *         "postal_code": "SW1Y 4JH",
                     *         "country": "GB"
                     *       },
                     *       "payment": {
                     *         "state": "succeeded",
                     *         "failure_code": null
                     *       },
                     *       "carrier": null,
                     *       "tracking_number": null,
                     *       "tracking_url": null,
                     *       "created_at": "2026-12-02T10:00:00.000Z",
                     *       "updated_at": "2026-12-02T10:00:01.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Order"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The token is valid but may not do this */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error403"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    adminShipOrder: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "carrier": "ups",
                 *       "tracking_number": "1Z999AA10123456784"
                 *     }
                 */
                "application/json": {
                    /** @enum {string} */
                    carrier: "ups" | "fedex" | "usps" | "dhl";
                    tracking_number: string;
                };
            };
        };
        responses: {
            /** @description The shipped order */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "order_id": "5f3e2d1c-0b9a-4877-a665-544332211000",
                     *       "status": "PAID",
                     *       "status_reason": null,
                     *       "total_cents": 6998,
                     *       "currency": "USD",
                     *       "items": [
                     *         {
                     *           "product_id": 42,
                     *           "sku": "KIT-0042",
                     *           "name": "Cast iron skillet",
                     *           "quantity": 2,
                     *           "price_at_purchase_cents": 3499,
                     *           "line_total_cents": 6998
                     *         }
                     *       ],
                     *       "status_history": [
                     *         {
                     *           "from": null,
                     *           "to": "PENDING",
                     *           "reason": "checkout",
                     *           "actor": "customer",
                     *           "at": "2026-12-02T10:00:00.000Z"
                     *         },
                     *         {
                     *           "from": "PENDING",
                     *           "to": "PAID",
                     *           "reason": "payment succeeded",
                     *           "actor": "payments",
                     *           "at": "2026-12-02T10:00:01.000Z"
                     *         }
                     *       ],
                     *       "shipping_address": {
                     *         "name": "Ada Lovelace",
                     *         "line1": "12 St James Square",
                     *         "city": "London",
                     *         "postal_code": "SW1Y 4JH",
                     *         "country": "GB"
                     *       },
                     *       "payment": {
                     *         "state": "succeeded",
                     *         "failure_code": null
                     *       },
                     *       "carrier": null,
                     *       "tracking_number": null,
                     *       "tracking_url": null,
                     *       "created_at": "2026-12-02T10:00:00.000Z",
                     *       "updated_at": "2026-12-02T10:00:01.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Order"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The token is valid but may not do this */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error403"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error409"];
                };
            };
            /** @description The body is too large */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error413"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error415"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    adminDeliverOrder: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The delivered order */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "order_id": "5f3e2d1c-0b9a-4877-a665-544332211000",
                     *       "status": "PAID",
                     *       "status_reason": null,
                     *       "total_cents": 6998,
                     *       "currency": "USD",
                     *       "items": [
                     *         {
                     *           "product_id": 42,
                     *           "sku": "KIT-0042",
                     *           "name": "Cast iron skillet",
                     *           "quantity": 2,
                     *           "price_at_purchase_cents": 3499,
                     *           "line_total_cents": 6998
                     *         }
                     *       ],
                     *       "status_history": [
                     *         {
                     *           "from": null,
                     *           "to": "PENDING",
                     *           "reason": "checkout",
                     *           "actor": "customer",
                     *           "at": "2026-12-02T10:00:00.000Z"
                     *         },
                     *         {
                     *           "from": "PENDING",
                     *           "to": "PAID",
                     *           "reason": "payment succeeded",
                     *           "actor": "payments",
                     *           "at": "2026-12-02T10:00:01.000Z"
                     *         }
                     *       ],
                     *       "shipping_address": {
                     *         "name": "Ada Lovelace",
                     *         "line1": "12 St James Square",
                     *         "city": "London",
                     *         "postal_code": "SW1Y 4JH",
                     *         "country": "GB"
                     *       },
                     *       "payment": {
                     *         "state": "succeeded",
                     *         "failure_code": null
                     *       },
                     *       "carrier": null,
                     *       "tracking_number": null,
                     *       "tracking_url": null,
                     *       "created_at": "2026-12-02T10:00:00.000Z",
                     *       "updated_at": "2026-12-02T10:00:01.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Order"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The token is valid but may not do this */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error403"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error409"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    adminCancelOrder: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "reason": "fraud review"
                 *     }
                 */
                "application/json": {
                    reason?: string;
                };
            };
        };
        responses: {
            /** @description The cancelled order */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "order_id": "5f3e2d1c-0b9a-4877-a665-544332211000",
                     *       "status": "PAID",
                     *       "status_reason": null,
                     *       "total_cents": 6998,
                     *       "currency": "USD",
                     *       "items": [
                     *         {
                     *           "product_id": 42,
                     *           "sku": "KIT-0042",
                     *           "name": "Cast iron skillet",
                     *           "quantity": 2,
                     *           "price_at_purchase_cents": 3499,
                     *           "line_total_cents": 6998
                     *         }
                     *       ],
                     *       "status_history": [
                     *         {
                     *           "from": null,
                     *           "to": "PENDING",
                     *           "reason": "checkout",
                     *           "actor": "customer",
                     *           "at": "2026-12-02T10:00:00.000Z"
                     *         },
                     *         {
                     *           "from": "PENDING",
                     *           "to": "PAID",
                     *           "reason": "payment succeeded",
                     *           "actor": "payments",
                     *           "at": "2026-12-02T10:00:01.000Z"
                     *         }
                     *       ],
                     *       "shipping_address": {
                     *         "name": "Ada Lovelace",
                     *         "line1": "12 St James Square",
                     *         "city": "London",
                     *         "postal_code": "SW1Y 4JH",
                     *         "country": "GB"
                     *       },
                     *       "payment": {
                     *         "state": "succeeded",
                     *         "failure_code": null
                     *       },
                     *       "carrier": null,
                     *       "tracking_number": null,
                     *       "tracking_url": null,
                     *       "created_at": "2026-12-02T10:00:00.000Z",
                     *       "updated_at": "2026-12-02T10:00:01.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Order"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The token is valid but may not do this */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error403"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description Conflicts with the current state */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error409"];
                };
            };
            /** @description The body is too large */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error413"];
                };
            };
            /** @description The body is not JSON */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error415"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    adminAudit: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The report */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditReport"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The token is valid but may not do this */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error403"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    adminAuditLog: {
        parameters: {
            query?: {
                subject?: string;
                type?: "product" | "inventory" | "price" | "order" | "user";
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The entries */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditLog"];
                };
            };
            /** @description The request is malformed or fails validation */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description No valid bearer token */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error401"];
                };
            };
            /** @description The token is valid but may not do this */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error403"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    stripeWebhook: {
        parameters: {
            query?: never;
            header: {
                /** @description Stripe's signature over the raw body */
                "Stripe-Signature": string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    id: string;
                    type: string;
                    data: {
                        object: {
                            [key: string]: unknown;
                        };
                    } & {
                        [key: string]: unknown;
                    };
                } & {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Handled, or a duplicate of a handled event */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookReceipt"];
                };
            };
            /** @description The signature did not verify */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error400"];
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description The body is too large */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error413"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
            /** @description A dependency did not answer; retry later */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error503"];
                };
            };
        };
    };
    openApiDocument: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI document */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        openapi: string;
                        info: {
                            [key: string]: unknown;
                        };
                        paths: {
                            [key: string]: unknown;
                        };
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    apiReference: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The reference page */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
    apiReferenceAsset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                file: "swagger-ui.css" | "swagger-ui-bundle.js" | "swagger-initializer.js" | "favicon-16x16.png" | "favicon-32x32.png";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "text/css": string;
                    "text/javascript": string;
                    "image/png": string;
                };
            };
            /** @description Not found, or not yours */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error404"];
                };
            };
            /** @description An unexpected fault (a generic message with the request id, never a stack trace) */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error500"];
                };
            };
        };
    };
}

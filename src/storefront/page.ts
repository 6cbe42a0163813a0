/** How the storefront takes a card's second step: the sandbox's challenge page, or Stripe.js. */
export type PaymentMode = 'sandbox' | 'stripe';

const STRIPE_JS = 'https://js.stripe.com';

/**
 * The storefront's policy: its own script and stylesheet only, no inline code, requests to this
 * origin alone. With Stripe, Stripe.js (its script, the frames it opens, the API it calls) is
 * allowed too, and only then.
 */
export function storefrontCsp(mode: PaymentMode): string {
  const stripe = mode === 'stripe';
  return [
    "default-src 'none'",
    `script-src 'self'${stripe ? ` ${STRIPE_JS}` : ''}`,
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${stripe ? ' https://api.stripe.com' : ''}`,
    ...(stripe ? [`frame-src ${STRIPE_JS} https://hooks.stripe.com`] : []),
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const escapeAttr = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The one HTML page: the app's stylesheet and script by their hashed names. The body says which
 * payment mode the store runs in (the app reads it; there is no inline script to carry it).
 */
export function shellPage(
  assets: { script: string; stylesheet: string; icon: string },
  mode: PaymentMode,
  stripeKey: string | null = null,
) {
  const stripe = mode === 'stripe' && stripeKey ? ` data-stripe-key="${escapeAttr(stripeKey)}"` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shop</title>
<meta name="description" content="The Shop demo store">
<link rel="icon" type="image/svg+xml" href="/assets/${escapeAttr(assets.icon)}">
<link rel="stylesheet" href="/assets/${escapeAttr(assets.stylesheet)}">
<script type="module" src="/assets/${escapeAttr(assets.script)}"></script>
</head>
<body data-payments="${escapeAttr(mode)}"${stripe}>
<div id="app"><noscript><p>This store needs JavaScript to run.</p></noscript></div>
</body>
</html>
`;
}

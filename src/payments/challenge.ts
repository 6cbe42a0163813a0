import { createHash } from 'node:crypto';
import { notFound } from '../shared/errors.js';
import { type AppContext, createRouter } from '../shared/http.js';
import type { SandboxProvider } from './sandbox.js';
import type { PaymentService } from './service.js';

/** The card's bank's look: set apart from the store's, as a real issuer's page is. */
const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem}.bank{color:#5a2d82;font-weight:700;letter-spacing:.05em}
button{font:inherit;padding:.6rem 1.2rem;margin:.3rem .6rem .3rem 0;border-radius:6px;border:2px solid #5a2d82;cursor:pointer}
.ok{background:#5a2d82;color:#fff}.fail{background:#fff;color:#5a2d82}
button:focus-visible{outline:3px solid #e8a317;outline-offset:2px}`;

const styleHash = createHash('sha256').update(STYLE).digest('base64');

const CHALLENGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${styleHash}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function challengePage(ref: string, amount: string) {
  const action = `/sandbox/3ds/${encodeURIComponent(ref)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Confirm your payment – Sandbox Bank</title><style>${STYLE}</style></head>
<body><main>
<p class="bank">SANDBOX BANK · 3-D Secure test page</p>
<h1>Confirm your payment of ${escapeHtml(amount)}</h1>
<p>Your bank asks you to confirm this card payment. This is the payment sandbox's test page:
no real bank is involved and no money moves.</p>
<form method="post">
<button class="ok" type="submit" formaction="${escapeHtml(action)}/complete">Complete authentication</button>
<button class="fail" type="submit" formaction="${escapeHtml(action)}/fail">Fail authentication</button>
</form>
</main></body>
</html>
`;
}

/**
 * The 3-D Secure challenge a card's bank would show, for the sandbox provider only (with Stripe,
 * Stripe.js shows the bank's own). Completing or failing it updates the charge and settles its
 * order at once, in this process (what the provider's webhook does for Stripe): a charge's
 * reference carries its request, so any process can answer for it, but the customer's answer lives
 * in this one's memory. The customer then returns to the store's order page, whose confirm on any
 * process finds the order settled. The reference is the secret: only the order's owner is shown it.
 */
export function sandboxChallengeRoutes({
  sandbox,
  payments,
}: {
  sandbox: SandboxProvider | null;
  payments: PaymentService;
}) {
  const router = createRouter('/sandbox/3ds');
  if (!sandbox) return router;

  const orderOf = (ctx: AppContext) => {
    const ref = ctx.params.ref ?? '';
    const orderId = sandbox.orderOf(ref);
    if (!orderId) throw notFound('Payment', { ref });
    return { ref, orderId };
  };

  router.get('/:ref', async (ctx) => {
    const { ref } = orderOf(ctx);
    const charge = await sandbox.retrieveCharge(ref);
    const amount = new Intl.NumberFormat('en-US', { style: 'currency', currency: charge.currency }).format(
      charge.amountCents / 100,
    );
    ctx.set('Content-Security-Policy', CHALLENGE_CSP);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = challengePage(ref, amount);
  });

  const answer = (outcome: 'complete' | 'fail') => async (ctx: AppContext) => {
    const { ref, orderId } = orderOf(ctx);
    if (outcome === 'complete') sandbox.authenticate(ref);
    else sandbox.failAuthentication(ref);
    try {
      await payments.syncCharge(ref, '3ds_challenge');
    } catch (err) {
      // The store's confirm (or the charge job) settles it later; the customer goes back either way.
      ctx.state.logger.warn({ err, ref }, 'settling after the 3-D Secure challenge failed');
    }
    ctx.status = 303;
    ctx.redirect(`/#/orders/${orderId}?confirm=1`);
  };
  router.post('/:ref/complete', answer('complete'));
  router.post('/:ref/fail', answer('fail'));
  return router;
}

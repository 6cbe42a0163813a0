/**
 * A card's second step (3-D Secure). With the sandbox provider, its own challenge page (served by
 * the store) stands in for the bank's, then comes back to the order. With Stripe, Stripe.js opens
 * the bank's page; it is loaded from js.stripe.com only in that mode, which the page's CSP allows
 * then alone.
 */
export const paymentMode = () => (document.body.dataset.payments === 'stripe' ? 'stripe' : 'sandbox');

interface StripeJs {
  handleNextAction(options: { clientSecret: string }): Promise<{ error?: { message?: string } }>;
}
declare global {
  interface Window {
    Stripe?: (key: string) => StripeJs;
  }
}

function loadStripe(): Promise<NonNullable<Window['Stripe']>> {
  if (window.Stripe) return Promise.resolve(window.Stripe);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = 'https://js.stripe.com/v3/';
    script.onload = () =>
      window.Stripe ? resolve(window.Stripe) : reject(new Error('Stripe.js did not load'));
    script.onerror = () => reject(new Error('Stripe.js could not be loaded'));
    document.head.append(script);
  });
}

/** Starts the bank's check. Resolves when it is done here (Stripe); the sandbox leaves the page. */
export async function authenticate(clientSecret: string): Promise<void> {
  if (paymentMode() === 'sandbox') {
    const ref = clientSecret.replace(/_secret$/, '');
    location.assign(`/sandbox/3ds/${encodeURIComponent(ref)}`);
    return new Promise(() => undefined);
  }
  const key = document.body.dataset.stripeKey;
  if (!key)
    throw new Error(
      'This store has no Stripe publishable key configured, so the bank check cannot open here.',
    );
  const stripe = (await loadStripe())(key);
  const { error } = await stripe.handleNextAction({ clientSecret });
  if (error) throw new Error(error.message ?? 'The bank check did not complete.');
}

const formats = new Map<string, Intl.NumberFormat>();

export function money(cents: number, currency = 'USD') {
  let format = formats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    formats.set(currency, format);
  }
  return format.format(cents / 100);
}

export const dateTime = (iso: string) =>
  new Date(iso).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });

/** Order statuses as a shopper says them. */
export const STATUS_WORDS: Record<string, string> = {
  PENDING: 'Waiting for payment',
  PAID: 'Paid – being prepared',
  SHIPPED: 'Shipped',
  DELIVERED: 'Delivered',
  PAYMENT_FAILED: 'Payment failed',
  EXPIRED: 'Expired – not paid in time',
  CANCELLED: 'Cancelled',
};

/** Why a card was declined, in words a shopper understands, with what to do next. */
const DECLINES: Record<string, string> = {
  card_declined: 'Your bank declined the card. Try another card, or contact your bank.',
  insufficient_funds: 'The card has insufficient funds. Try another card.',
  lost_card: 'The card was reported lost, so the bank declined it. Use another card.',
  stolen_card: 'The card was reported stolen, so the bank declined it. Use another card.',
  expired_card: 'The card has expired. Use another card.',
  incorrect_cvc: "The card's security code (CVC) was wrong. Check it and try again.",
  processing_error: 'The bank had a problem processing the card. Please try again in a moment.',
  fraudulent: 'The bank declined the payment. Use another card, or contact your bank.',
  payment_intent_authentication_failure:
    "The payment wasn't confirmed with your bank (3-D Secure), so nothing was charged. Try again, or use another card.",
  authentication_required: 'Your bank needs you to confirm this payment. Try again and complete the check.',
  canceled: 'The payment was cancelled before it completed. Nothing was charged.',
  invalid_payment_method: "That card can't be used. Try another card.",
};

export const declineWords = (code: string | null | undefined) =>
  (code && DECLINES[code]) || 'The payment did not go through. Nothing was charged. Try another card.';

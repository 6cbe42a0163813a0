import { useEffect, useRef, useState } from 'preact/hooks';
import { api, must, type Order } from '../api/client';
import { ErrorNote, Loading, Page } from '../components/Page';
import { dateTime, declineWords, money, STATUS_WORDS } from '../format';
import { authenticate } from '../payments';
import { href, navigate } from '../router';
import { announce, refreshCart, sessionEnded } from '../store';

/** Statuses an order still moves on from by itself: the page keeps reading it. */
const MOVING = new Set(['PENDING', 'PAID', 'SHIPPED']);
const POLL_MS = 2_000;

export function OrderPage({ id, query }: { id: string; query: URLSearchParams }) {
  const [order, setOrder] = useState<Order | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const last = useRef<string | null>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const found = must(await api.GET('/orders/{id}', { params: { path: { id } } }));
        if (stopped) return;
        if (last.current && last.current !== found.status)
          announce(`Order status: ${STATUS_WORDS[found.status]}`);
        last.current = found.status;
        setOrder(found);
        setError('');
        if (MOVING.has(found.status)) timer = setTimeout(tick, POLL_MS);
      } catch (err) {
        if (stopped) return;
        if ((err as { status?: number }).status === 401) {
          sessionEnded();
          navigate(href('/signin', { next: `/orders/${id}` }), { replace: true });
          return;
        }
        setError((err as Error).message);
        timer = setTimeout(tick, POLL_MS * 3);
      }
    };
    const tick = () => {
      if (document.visibilityState === 'visible') load();
      else timer = setTimeout(tick, POLL_MS);
    };
    // Back from the bank's check: settle the charge now rather than wait for the provider.
    const confirm = query.get('confirm') === '1';
    (confirm
      ? api.POST('/orders/{id}/payment/confirm', { params: { path: { id } } }).catch(() => undefined)
      : Promise.resolve()
    ).then(() => {
      if (confirm) navigate(href(`/orders/${id}`), { replace: true });
      else load();
    });
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [id, query.get('confirm')]);

  const verify = async () => {
    const secret = order?.payment?.next_action?.client_secret;
    if (!order || !secret) return;
    setBusy(true);
    setError('');
    try {
      await authenticate(secret);
      navigate(href(`/orders/${order.order_id}`, { confirm: 1 }), { replace: true });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  /** A failed payment releases the stock: the same items go back in the cart to try another card. */
  const retry = async () => {
    if (!order) return;
    setBusy(true);
    try {
      for (const item of order.items) {
        must(
          await api.POST('/cart/items', { body: { product_id: item.product_id, quantity: item.quantity } }),
        );
      }
      await refreshCart();
      navigate('#/checkout');
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  if (!order)
    return <Page title="Order">{error ? <ErrorNote message={error} /> : <Loading what="your order" />}</Page>;
  const payment = order.payment;
  const needsBank =
    order.status === 'PENDING' && payment?.state === 'requires_action' && payment.next_action?.client_secret;
  const failed = order.status === 'PAYMENT_FAILED';
  return (
    <Page title={`Order ${order.order_id.slice(0, 8)}`}>
      <p class="status-line">
        Status:{' '}
        <strong id="order-status" role="status">
          {STATUS_WORDS[order.status] ?? order.status}
        </strong>
      </p>
      {error && <ErrorNote message={error} />}
      {order.status === 'PENDING' && !needsBank && (
        <p class="muted">Taking the payment… this page updates by itself.</p>
      )}
      {needsBank && (
        <section class="notice" aria-labelledby="bank-heading">
          <h2 id="bank-heading">Confirm the payment with your bank</h2>
          <p>Your bank needs you to confirm this payment (3-D Secure) before the order is paid.</p>
          <button type="button" onClick={verify} disabled={busy}>
            Confirm with your bank
          </button>
        </section>
      )}
      {failed && (
        <div class="notice error-box" role="alert">
          <h2>Your payment did not go through</h2>
          <p>{declineWords(payment?.failure_code)}</p>
          <button type="button" onClick={retry} disabled={busy}>
            Try again with another card
          </button>
        </div>
      )}
      {order.tracking_url && (
        <p>
          <a href={order.tracking_url} target="_blank" rel="noopener noreferrer">
            Track your parcel
          </a>{' '}
          <span class="muted">
            ({order.carrier?.toUpperCase()} {order.tracking_number})
          </span>
        </p>
      )}
      <section aria-labelledby="items-heading">
        <h2 id="items-heading">Items</h2>
        <ul class="summary">
          {order.items.map((i) => (
            <li key={i.product_id}>
              {i.quantity} × <a href={href(`/products/${i.product_id}`)}>{i.name}</a>{' '}
              <span>{money(i.line_total_cents, order.currency)}</span>
            </li>
          ))}
        </ul>
        <p class="total">
          Total: <strong>{money(order.total_cents, order.currency)}</strong>
        </p>
      </section>
      <section aria-labelledby="ship-heading">
        <h2 id="ship-heading">Shipping to</h2>
        <address>
          {[
            order.shipping_address.name,
            order.shipping_address.line1,
            order.shipping_address.line2,
            `${order.shipping_address.postal_code} ${order.shipping_address.city}`,
            order.shipping_address.region,
            order.shipping_address.country,
          ]
            .filter(Boolean)
            .map((line) => (
              <span key={line}>
                {line}
                <br />
              </span>
            ))}
        </address>
      </section>
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        <ol class="history">
          {order.status_history.map((h) => (
            <li key={h.at + h.to}>
              <time dateTime={h.at}>{dateTime(h.at)}</time>: {STATUS_WORDS[h.to] ?? h.to}
            </li>
          ))}
        </ol>
      </section>
      <p>
        <a href="#/orders">All your orders</a>
      </p>
    </Page>
  );
}

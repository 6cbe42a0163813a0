import { api, must } from '../api/client';
import { ErrorNote, Loading, Page } from '../components/Page';
import { dateTime, money, STATUS_WORDS } from '../format';
import { useCustomerPoll } from '../poll';
import { href } from '../router';

const POLL_MS = 5_000;

export function OrdersPage() {
  const { data: orders, error } = useCustomerPoll(
    '/orders',
    () =>
      api
        .GET('/orders', { params: { query: { limit: 50 } } })
        .then(must)
        .then((list) => list.orders),
    POLL_MS,
  );

  return (
    <Page title="Your orders">
      {error && <ErrorNote message={error} />}
      {!orders ? (
        !error && <Loading what="your orders" />
      ) : orders.length === 0 ? (
        <p>
          No orders yet. <a href="#/">Start shopping</a>.
        </p>
      ) : (
        <table class="lines">
          <caption class="visually-hidden">Your orders, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Placed</th>
              <th scope="col">Items</th>
              <th scope="col">Total</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {orders.map((o) => (
              <tr key={o.order_id}>
                <th scope="row">
                  <a href={href(`/orders/${o.order_id}`)}>Order {o.order_id.slice(0, 8)}</a>
                </th>
                <td>{dateTime(o.created_at)}</td>
                <td>{o.item_count}</td>
                <td>{money(o.total_cents, o.currency)}</td>
                <td>{STATUS_WORDS[o.status] ?? o.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}

import { api, must } from '../api/client';
import { ErrorNote, Loading, Page } from '../components/Page';
import { dateTime } from '../format';
import { useCustomerPoll } from '../poll';
import { href } from '../router';

const POLL_MS = 10_000;

export function NotificationsPage() {
  const { data: list, error } = useCustomerPoll(
    '/notifications',
    () =>
      api
        .GET('/notifications')
        .then(must)
        .then((body) => body.notifications),
    POLL_MS,
  );

  return (
    <Page title="Notifications">
      {error && <ErrorNote message={error} />}
      {!list ? (
        !error && <Loading what="notifications" />
      ) : list.length === 0 ? (
        <p>Nothing yet. We tell you here when an order is paid, shipped or needs you.</p>
      ) : (
        <ul class="notes" aria-live="polite">
          {list.map((n) => (
            <li key={n.id}>
              <p>{n.message}</p>
              <p class="muted small">
                <time dateTime={n.created_at}>{dateTime(n.created_at)}</time>
                {n.order_id && (
                  <>
                    {' · '}
                    <a href={href(`/orders/${n.order_id}`)}>See the order</a>
                  </>
                )}
              </p>
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}

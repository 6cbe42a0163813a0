import { useEffect, useState } from 'preact/hooks';
import { api, must, type Notification } from '../api/client';
import { ErrorNote, Loading, Page } from '../components/Page';
import { dateTime } from '../format';
import { href, navigate } from '../router';
import { sessionEnded, useShared } from '../store';

const POLL_MS = 10_000;

export function NotificationsPage() {
  const { email } = useShared();
  const [list, setList] = useState<Notification[] | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    if (!email) {
      navigate(href('/signin', { next: '/notifications' }), { replace: true });
      return;
    }
    const load = () =>
      api
        .GET('/notifications')
        .then(must)
        .then(
          (body) => setList(body.notifications),
          (err: Error & { status?: number }) => {
            if (err.status === 401) sessionEnded();
            else setError(err.message);
          },
        );
    load();
    const timer = setInterval(() => document.visibilityState === 'visible' && load(), POLL_MS);
    return () => clearInterval(timer);
  }, [email]);

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

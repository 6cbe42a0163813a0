import { useEffect, useState } from 'preact/hooks';
import { href, navigate } from './router';
import { sessionEnded, useShared } from './store';

/**
 * A signed-in customer's list, loaded now and again every `everyMs` while the tab is visible. A
 * visitor who is not signed in is sent to sign in, and back to `next` after; an ended session
 * (401) signs out. Other failures show as `error`, and the next poll tries again.
 */
export function useCustomerPoll<T>(next: string, load: () => Promise<T>, everyMs: number) {
  const { email } = useShared();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    if (!email) {
      navigate(href('/signin', { next }), { replace: true });
      return;
    }
    const poll = () =>
      load().then(setData, (err: Error & { status?: number }) => {
        if (err.status === 401) sessionEnded();
        else setError(err.message);
      });
    poll();
    const timer = setInterval(() => document.visibilityState === 'visible' && poll(), everyMs);
    return () => clearInterval(timer);
  }, [email]);

  return { data, error };
}

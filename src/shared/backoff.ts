/**
 * Re-runs `attempt` after a lost connection, waiting 0.5 s, then twice as long each time up to
 * 30 s; `succeeded()` resets the wait. One retry is pending at a time, and none after `stop()`.
 */
export function reconnectWithBackoff(attempt: () => void) {
  let retryMs = 500;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  return {
    schedule() {
      if (stopped || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        attempt();
      }, retryMs);
      timer.unref();
      retryMs = Math.min(retryMs * 2, 30_000);
    },
    succeeded() {
      retryMs = 500;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

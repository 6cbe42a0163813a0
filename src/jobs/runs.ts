import type { Db } from '../db/index.js';

/**
 * Takes a fleet-wide task's turn: true for exactly one of the processes asking within the same
 * interval. The row's lock serializes them and the loser's WHERE sees the winner's new time. A
 * tenth of the interval is allowed for timers and clocks, so a process whose own timer fires a
 * little before the interval is up since another's run still takes the next turn.
 */
export async function claimTurn(db: Db, name: string, intervalMs: number): Promise<boolean> {
  const { rows } = await db.raw<{ rows: { name: string }[] }>(
    `INSERT INTO job_runs (name, started_at) VALUES (:name, now())
     ON CONFLICT (name) DO UPDATE SET started_at = excluded.started_at
      WHERE job_runs.started_at <= now() - make_interval(secs => :seconds)
     RETURNING name`,
    { name, seconds: (intervalMs * 0.9) / 1_000 },
  );
  return rows.length > 0;
}

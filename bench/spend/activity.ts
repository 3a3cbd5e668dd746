/**
 * What the database's sessions are doing during a phase, sampled every 50 ms
 * from pg_stat_activity on a connection of its own: how many are running a
 * statement, how many of those wait for a lock (a reservation waiting for the
 * budget rows another holds), and how many are idle inside a transaction (a
 * lock holder waiting for the app to send its next statement), and what the
 * running ones wait on (pg_stat_activity's wait event: the WAL's flush, a
 * lock, a data file; "CPU" for none). Means over the phase: where a
 * serialised section's time goes.
 */
import pg from "pg";

export interface Activity {
  samples: number;
  active: number;
  waitingOnLock: number;
  idleInTransaction: number;
  /** Active sessions per wait event ("IO:WalSync", "LWLock:WALWrite", "CPU"…), mean per sample. */
  waits: Record<string, number>;
}

const SAMPLE = `
  WITH s AS (
    SELECT state, wait_event_type, wait_event FROM pg_stat_activity
    WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid())
  SELECT (SELECT count(*) FROM s WHERE state = 'active')::int AS active,
         (SELECT count(*) FROM s WHERE state = 'active' AND wait_event_type = 'Lock')::int AS lock,
         (SELECT count(*) FROM s WHERE state = 'idle in transaction')::int AS idle_tx,
         (SELECT COALESCE(json_object_agg(e, n), '{}') FROM (
            SELECT COALESCE(wait_event_type || ':' || wait_event, 'CPU') AS e, count(*)::int AS n FROM s WHERE state = 'active' GROUP BY 1) g) AS waits`;

export async function sampleActivity<T>(url: string, run: () => Promise<T>): Promise<{ result: T; activity: Activity }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const totals: Activity = { samples: 0, active: 0, waitingOnLock: 0, idleInTransaction: 0, waits: {} };
  let stop = false;
  const sampling = (async () => {
    while (!stop) {
      const { rows } = await client.query<{ active: number; lock: number; idle_tx: number; waits: Record<string, number> }>(SAMPLE);
      totals.samples++;
      totals.active += rows[0]!.active;
      totals.waitingOnLock += rows[0]!.lock;
      totals.idleInTransaction += rows[0]!.idle_tx;
      for (const [event, n] of Object.entries(rows[0]!.waits)) totals.waits[event] = (totals.waits[event] ?? 0) + n;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    const result = await run();
    return { result, activity: mean(totals) };
  } finally {
    stop = true;
    await sampling.catch(() => undefined);
    await client.end();
  }
}

function mean(t: Activity): Activity {
  const n = Math.max(1, t.samples);
  const waits = Object.fromEntries(Object.entries(t.waits).map(([event, count]) => [event, count / n] as const).sort((a, b) => b[1] - a[1]));
  return { samples: t.samples, active: t.active / n, waitingOnLock: t.waitingOnLock / n, idleInTransaction: t.idleInTransaction / n, waits };
}

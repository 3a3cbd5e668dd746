/**
 * Budget periods are UTC calendar months: a budget's spend is what its
 * calls cost from the first day of the month, 00:00 UTC.
 */
export interface Period {
  /** YYYY-MM, e.g. 2026-12. */
  key: string;
  /** First instant of the month (UTC). */
  start: Date;
  /** First instant of the next month (UTC). */
  end: Date;
}

export function periodOf(at: Date): Period {
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const end = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  return { key: start.toISOString().slice(0, 7), start, end };
}

/** YYYY-MM-DD of an instant, in UTC. */
export const utcDay = (at: Date) => at.toISOString().slice(0, 10);

export const DAY_MS = 86_400_000;

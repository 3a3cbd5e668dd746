/**
 * Month-end forecast of a budget, from its daily spend (UTC days).
 *
 * The method, as the spend page states it:
 * - the current rate is the higher of (a) the last 24 hours — today so far
 *   plus the part of yesterday that falls in the last 24 hours, assuming
 *   yesterday's spend was spread evenly over the day — and (b) the average of
 *   the last 7 full days;
 * - the month-end projection is the month-to-date spend plus that rate times
 *   the days left in the month;
 * - the budget runs out when month-to-date plus rate × time reaches the limit
 *   (if it already has, on the day the cumulative spend crossed it).
 * Taking the higher rate errs towards warning early: a spike today shows at
 * once, a quiet morning does not hide a busy week.
 */
import { DAY_MS, periodOf, utcDay } from "./period";

export const FORECAST_METHOD =
  "Rate = the higher of the last 24 hours (today so far plus the matching share of yesterday) and the average of the last 7 full days (UTC); " +
  "month-end projection = month-to-date + rate × days left; run-out date = when month-to-date + rate × time reaches the limit.";

export interface ForecastInput {
  now: Date;
  limitUsd: number;
  /** Cost per UTC day (YYYY-MM-DD), covering at least this month so far and the 7 days before today. */
  daily: ReadonlyMap<string, number>;
}

export interface BurnDownPoint {
  /** YYYY-MM-DD. */
  day: string;
  /** Budget left at the end of the day (today: so far); null after today. */
  actual: number | null;
  /** Projected budget left at the end of the day; null before today. */
  projected: number | null;
}

export interface Forecast {
  monthToDateUsd: number;
  /** USD per day. */
  rateUsdPerDay: number;
  rate24hUsdPerDay: number;
  rate7dUsdPerDay: number;
  daysLeft: number;
  projectedUsd: number;
  /** When the limit is (or was) reached; null: not this month at the current rate. */
  runOutAt: Date | null;
  alreadyExceeded: boolean;
  burnDown: BurnDownPoint[];
}

const round = (value: number) => Math.round(value * 1e9) / 1e9;

export function forecast({ now, limitUsd, daily }: ForecastInput): Forecast {
  const period = periodOf(now);
  const cost = (day: Date) => daily.get(utcDay(day)) ?? 0;
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const elapsedToday = (now.getTime() - today.getTime()) / DAY_MS;

  const days: Date[] = [];
  for (let t = period.start.getTime(); t < period.end.getTime(); t += DAY_MS) days.push(new Date(t));

  let monthToDate = 0;
  const burnDown: BurnDownPoint[] = [];
  let crossedOn: Date | null = null;
  for (const day of days) {
    if (day > today) break;
    monthToDate += cost(day);
    if (crossedOn === null && monthToDate >= limitUsd && limitUsd >= 0 && monthToDate > 0) crossedOn = day;
  }

  const yesterday = new Date(today.getTime() - DAY_MS);
  const rate24h = cost(today) + cost(yesterday) * (1 - elapsedToday);
  let lastWeek = 0;
  for (let i = 1; i <= 7; i++) lastWeek += cost(new Date(today.getTime() - i * DAY_MS));
  const rate7d = lastWeek / 7;
  const rate = Math.max(rate24h, rate7d);

  const daysLeft = Math.max(0, (period.end.getTime() - now.getTime()) / DAY_MS);
  const projected = monthToDate + rate * daysLeft;

  let runOutAt: Date | null = null;
  if (crossedOn) runOutAt = crossedOn;
  else if (rate > 0) {
    const at = now.getTime() + ((limitUsd - monthToDate) / rate) * DAY_MS;
    if (at < period.end.getTime()) runOutAt = new Date(at);
  }

  let cumulative = 0;
  for (const day of days) {
    const key = utcDay(day);
    if (day <= today) {
      cumulative += cost(day);
      const left = round(limitUsd - cumulative);
      burnDown.push({ day: key, actual: left, projected: day.getTime() === today.getTime() ? left : null });
    } else {
      const endOfDay = Math.min(day.getTime() + DAY_MS, period.end.getTime());
      const spent = monthToDate + (rate * (endOfDay - now.getTime())) / DAY_MS;
      burnDown.push({ day: key, actual: null, projected: round(limitUsd - spent) });
    }
  }

  return {
    monthToDateUsd: round(monthToDate),
    rateUsdPerDay: round(rate),
    rate24hUsdPerDay: round(rate24h),
    rate7dUsdPerDay: round(rate7d),
    daysLeft,
    projectedUsd: round(projected),
    runOutAt,
    alreadyExceeded: crossedOn !== null,
    burnDown,
  };
}

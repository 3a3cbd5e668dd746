/**
 * Query strings of console pages, read leniently but never silently: each
 * parameter is checked on its own, a bad one is dropped (the page shows the
 * rest) and reported so the page can say what it ignored. The API is strict
 * instead (lib/api/parse.ts: a 400 naming the parameter).
 *
 * Isomorphic on purpose: the runs filter module using it is also imported by
 * components that may end up in the browser bundle.
 */
import { z } from "zod";

export type PageSearchParams = Record<string, string | string[] | undefined>;

/** A query parameter a page dropped, and why in a few words ("not a date"). */
export interface IgnoredQueryParam {
  name: string;
  reason: string;
}

/** The first value of a parameter given more than once (Next hands those over as arrays). */
export const firstValue = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * Free text: trimmed, bounded, no NUL (PostgreSQL refuses NUL in text, which
 * would fail the whole page); empty means absent.
 */
export const queryText = (max: number) =>
  z
    .string({ message: "not text" })
    .trim()
    .refine((v) => !v.includes("\0"), "contains a NUL character")
    .refine((v) => v.length <= max, `longer than ${max} characters`)
    .transform((v) => v || undefined)
    .optional();

/**
 * Runs and audit events are timestamped by clocks after 1970 (OTLP times count from the epoch);
 * the upper bound keeps four-digit years. Both are far inside what PostgreSQL's
 * timestamps hold (4713 BC to 294276 AD), so an accepted date always reaches it intact.
 */
export const MIN_QUERY_YEAR = 1970;
export const MAX_QUERY_YEAR = 9999;

/**
 * Whether `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]` (read as UTC) is a real calendar
 * time: JavaScript rolls 2026-02-31 over to March, which the round trip catches.
 */
export function isCalendarTime(value: string): boolean {
  const full = value.length === 10 ? `${value}T00:00:00` : value.length === 16 ? `${value}:00` : value;
  const time = Date.parse(`${full}Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 19) === full;
}

export function yearInRange(value: string): boolean {
  const year = Number(value.slice(0, 4));
  return year >= MIN_QUERY_YEAR && year <= MAX_QUERY_YEAR;
}

/** `2026-01-31`, or with `withTime` also `2026-01-31T14:05[:09]` (a datetime-local input), read as UTC. */
export const queryDate = ({ withTime }: { withTime: boolean }) =>
  z
    .string({ message: "not a date" })
    .trim()
    .regex(withTime ? /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/ : /^\d{4}-\d{2}-\d{2}$/, "not a date")
    .refine(isCalendarTime, "not a date")
    .refine(yearInRange, `not a date from ${MIN_QUERY_YEAR} to ${MAX_QUERY_YEAR}`)
    .optional();

/**
 * Checks each given parameter against its strict field schema and lists the
 * ones that fail with the first reason. The lenient schema, whose fields fall
 * back where the strict ones fail, produces the values the page uses.
 */
export function ignoredParams(fields: Record<string, z.ZodType>, input: Record<string, unknown>): IgnoredQueryParam[] {
  const ignored: IgnoredQueryParam[] = [];
  for (const [name, schema] of Object.entries(fields)) {
    if (input[name] === undefined) continue;
    const result = schema.safeParse(input[name]);
    if (!result.success) ignored.push({ name, reason: result.error.issues[0]?.message ?? "not valid" });
  }
  return ignored;
}

/** Display formats of Settings › System: a job's interval, how long ago it ran, its summary. */
import type { JobSummary } from "./define";

const UNITS: [limitMs: number, unitMs: number, unit: string][] = [
  [60_000, 1_000, "s"],
  [3_600_000, 60_000, "min"],
  [86_400_000, 3_600_000, "h"],
  [Number.POSITIVE_INFINITY, 86_400_000, "d"],
];

/** "every 1 min", "every 30 s", "every 1.5 h". */
export function formatInterval(intervalMs: number): string {
  const [, unitMs, unit] = UNITS.find(([limit]) => intervalMs < limit) ?? UNITS[UNITS.length - 1]!;
  const value = Math.round((intervalMs / unitMs) * 10) / 10;
  return `every ${value} ${unit}`;
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago" (whole units, rounded down); "in 10 s" ahead of `now`. */
export function formatRelative(date: Date, now: Date): string {
  const deltaMs = now.getTime() - date.getTime();
  const distance = Math.abs(deltaMs);
  if (distance < 5_000) return "just now";
  const [, unitMs, unit] = UNITS.find(([limit]) => distance < limit) ?? UNITS[UNITS.length - 1]!;
  const value = Math.floor(distance / unitMs);
  return deltaMs >= 0 ? `${value} ${unit} ago` : `in ${value} ${unit}`;
}

/** "stalled: 2, retried: 0"; empty summary: "—". */
export function formatSummary(summary: JobSummary | null): string {
  const entries = Object.entries(summary ?? {});
  if (entries.length === 0) return "—";
  return entries.map(([key, value]) => `${key}: ${value === null ? "—" : String(value)}`).join(", ");
}

/** Display formats shared by server and client: USD, tokens with separators, durations. */

export function formatUsd(value: number): string {
  if (value === 0) return "$0.00";
  if (Math.abs(value) < 0.01) return `$${value.toFixed(4)}`;
  return new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
}

/** Cost of something that may include unpriced model calls: never shown as $0 when unknown. */
export function formatCost(costUsd: number, unpricedCount: number): string {
  if (unpricedCount > 0) return costUsd > 0 ? `${formatUsd(costUsd)} + unpriced` : "unpriced";
  return formatUsd(costUsd);
}

export function formatTokens(value: number): string {
  return value.toLocaleString("en-US");
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** 0..1 score as a percentage, or "—". */
export function formatScore(score: number | null): string {
  return score === null ? "—" : `${Math.round(score * 100)}%`;
}

/**
 * A run's title. Its name is the root span's, which exporters send last: a run
 * still going (waiting for clearance, stalled) has none yet, so say whose run it is.
 */
export function runTitle(run: { name: string | null; agent: string | null }): string {
  if (run.name) return run.name;
  return `${run.agent ?? "Unknown agent"} run (root span not received yet)`;
}

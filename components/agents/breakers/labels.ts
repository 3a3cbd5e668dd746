/** How breaker modes, states and events read and look on the page (client-safe). */
export const MODE_BADGE = {
  OBSERVE: { label: "observe", tone: "blue" },
  ENFORCE: { label: "enforce", tone: "violet" },
} as const;

export const STATE_BADGE = {
  CLOSED: { label: "closed", tone: "green" },
  OPEN: { label: "open: agent tripped", tone: "red" },
  HALF_OPEN: { label: "half-open: testing one run", tone: "amber" },
} as const;

export const EVENT_BADGE = {
  WOULD_TRIP: { label: "would have tripped", tone: "amber" },
  TRIPPED: { label: "tripped", tone: "red" },
  HALF_OPEN: { label: "half-open", tone: "violet" },
  CLOSED: { label: "closed", tone: "green" },
} as const;

/** Each condition parameter's label and hint in the form. */
export const PARAM_LABELS: Record<string, { label: string; hint?: string; decimal?: boolean }> = {
  thresholdPct: { label: "Error rate above (%)", hint: "Failed tool calls, as a share of the window.", decimal: true },
  window: { label: "Over the last N tool calls", hint: "At most 1,000." },
  minSample: { label: "Minimum calls in the window", hint: "Fewer calls never trip it." },
  runs: { label: "Looping runs", hint: "Runs flagged looping (same call or decision repeated)." },
  windowMinutes: { label: "Within (minutes)" },
  limitUsd: { label: "Spend above (USD in the last hour)", decimal: true },
  count: { label: "Rejections in a row", hint: "Escalations of this agent rejected by people, one after another." },
  maxMinutes: { label: "Running longer than (minutes)" },
};

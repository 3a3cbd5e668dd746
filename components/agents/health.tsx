// Small pieces of an agent's health shown on the list, the agent page and the Overview.
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Time } from "@/components/ui/time";
import type { AgentHealth, AgentRates } from "@/lib/agents/queries";
import { formatUsd } from "@/lib/runs/format";

export const STATUS_TONE = { ACTIVE: "green", PAUSED: "amber", TRIPPED: "red" } as const;

export function StatusBadge({ status }: { status: "ACTIVE" | "PAUSED" | "TRIPPED" }) {
  return <Badge tone={STATUS_TONE[status]}>{status.toLowerCase()}</Badge>;
}

const pct = (n: number, of: number) => (of === 0 ? "—" : `${((100 * n) / of).toFixed(n === 0 || (100 * n) / of >= 10 ? 0 : 1)} %`);

/** "12 % · 8 %": the share of runs over 24 h and 7 days, with the counts in the title. */
export function Rate({ day, week, of }: { day: AgentRates; week: AgentRates; of: "failed" | "looping" }) {
  const label = of === "failed" ? "failed" : "looping";
  return (
    <span title={`${day[of]} of ${day.runs} runs ${label} in 24 h; ${week[of]} of ${week.runs} in 7 days`} className="whitespace-nowrap tabular-nums">
      {pct(day[of], day.runs)} <span className="text-slate-500">· {pct(week[of], week.runs)}</span>
    </span>
  );
}

export function BudgetUse({ health }: { health: AgentHealth }) {
  if (health.budgetUsd === null) return <span className="tabular-nums">{formatUsd(health.spentUsd)}</span>;
  const share = health.budgetUsd > 0 ? health.spentUsd / health.budgetUsd : 0;
  return (
    <span className="whitespace-nowrap tabular-nums">
      {formatUsd(health.spentUsd)} <span className="text-slate-500">of {formatUsd(health.budgetUsd)}</span>{" "}
      {share >= 1 ? <Badge tone="red">over</Badge> : share >= 0.8 ? <Badge tone="amber">{Math.round(share * 100)} %</Badge> : null}
    </span>
  );
}

export function StatusLine({ status, reason, since, setBy }: { status: "ACTIVE" | "PAUSED" | "TRIPPED"; reason: string | null; since: Date | null; setBy: string | null }) {
  if (status === "ACTIVE") return null;
  return (
    <p className="mt-1 max-w-xs text-xs text-slate-600">
      {reason ?? "no reason"}
      <span className="block text-slate-500">
        {setBy ? `by ${setBy}` : ""} {since && <Time value={since} />}
      </span>
    </p>
  );
}

/** An agent's open escalations, linked to the queue filtered by it; `none` when there are none. */
export function OpenEscalations({ agent, count, none }: { agent: string; count: number; none: string }) {
  if (count === 0) return <>{none}</>;
  return (
    <Link href={`/escalations?agent=${encodeURIComponent(agent)}`} className="text-brand-700 hover:underline">
      {count}
    </Link>
  );
}

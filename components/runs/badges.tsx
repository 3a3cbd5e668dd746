/** Run status, flags and step kinds: each shown with a label (and icon), never by colour alone. */
import { Badge } from "@/components/ui/badge";
import { cn } from "@/components/ui/cn";
import { FLAG_LABELS, RUN_FLAGS, type RunFlag, type RunStatusName } from "@/lib/runs/schemas";
import type { StepKindName } from "@/lib/runs/timeline";

const STATUS_TONE: Record<RunStatusName, "blue" | "green" | "red" | "violet" | "amber"> = {
  RUNNING: "blue",
  SUCCEEDED: "green",
  FAILED: "red",
  ESCALATED: "violet",
  STALLED: "amber",
};

export const STATUS_LABELS: Record<RunStatusName, string> = {
  RUNNING: "Running",
  SUCCEEDED: "Succeeded",
  FAILED: "Failed",
  ESCALATED: "Escalated",
  STALLED: "Stalled",
};

export function RunStatusBadge({ status }: { status: RunStatusName }) {
  return (
    <Badge tone={STATUS_TONE[status]} data-testid="run-status">
      {status === "RUNNING" && <span aria-hidden className="mr-1 h-1.5 w-1.5 animate-pulse rounded-full bg-current" />}
      {STATUS_LABELS[status]}
    </Badge>
  );
}

const FLAG_ICON: Record<RunFlag, string> = { toolFailure: "✖", loop: "↻", stall: "⏸", escalated: "⚑", executedDifferently: "≠", unpriced: "?" };
const FLAG_TONE: Record<RunFlag, "red" | "amber" | "violet" | "gray"> = {
  toolFailure: "red",
  loop: "amber",
  stall: "amber",
  escalated: "violet",
  executedDifferently: "red",
  unpriced: "gray",
};

export function RunFlags({ flags }: { flags: Record<RunFlag, boolean> }) {
  const on = RUN_FLAGS.filter((f) => flags[f]);
  if (on.length === 0) return <span className="text-slate-500">—</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {on.map((f) => (
        <Badge key={f} tone={FLAG_TONE[f]} data-testid={`flag-${f}`}>
          <span aria-hidden className="mr-1">
            {FLAG_ICON[f]}
          </span>
          {FLAG_LABELS[f]}
        </Badge>
      ))}
    </span>
  );
}

export const KIND_STYLE: Record<StepKindName, { label: string; icon: string; bar: string; chip: string }> = {
  LLM_CALL: { label: "LLM", icon: "✦", bar: "bg-brand-500", chip: "bg-brand-50 text-brand-700 ring-brand-100" },
  TOOL_CALL: { label: "Tool", icon: "⚙", bar: "bg-teal-500", chip: "bg-teal-50 text-teal-700 ring-teal-200" },
  DECISION: { label: "Decision", icon: "◆", bar: "bg-violet-500", chip: "bg-violet-50 text-violet-700 ring-violet-200" },
  STATE_TRANSITION: { label: "State", icon: "⇄", bar: "bg-slate-500", chip: "bg-slate-100 text-slate-700 ring-slate-200" },
  AGENT: { label: "Agent", icon: "◎", bar: "bg-indigo-300", chip: "bg-indigo-50 text-indigo-700 ring-indigo-200" },
  ESCALATION: { label: "Escalation", icon: "⚑", bar: "bg-fuchsia-500", chip: "bg-fuchsia-50 text-fuchsia-700 ring-fuchsia-200" },
  OTHER: { label: "Other", icon: "•", bar: "bg-slate-300", chip: "bg-slate-50 text-slate-600 ring-slate-200" },
};

export function KindChip({ kind, className }: { kind: StepKindName; className?: string }) {
  const style = KIND_STYLE[kind];
  return (
    <span className={cn("inline-flex shrink-0 items-center gap-1 rounded px-1.5 text-[11px] font-medium ring-1 ring-inset", style.chip, className)}>
      <span aria-hidden>{style.icon}</span>
      {style.label}
    </span>
  );
}

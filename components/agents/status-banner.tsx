// The banner of a paused or tripped agent: what it means, why, who or what set it, since when, and its runbook (what to check, whom to call).
import Link from "next/link";
import { RunbookCard } from "@/components/runbooks/runbook-card";
import { Time } from "@/components/ui/time";

export function StatusBanner({
  agent,
  showLink = false,
}: {
  agent: { id: string; name: string; status: "ACTIVE" | "PAUSED" | "TRIPPED"; statusReason: string | null; statusSetBy: string | null; statusChangedAt: Date | null; breakerName?: string | null };
  /** On other pages (the run timeline): link to the agent, where it is resumed. */
  showLink?: boolean;
}) {
  if (agent.status === "ACTIVE") return null;
  const tripped = agent.status === "TRIPPED";
  return (
    <section
      role="status"
      aria-label={tripped ? "Agent tripped" : "Agent paused"}
      data-testid="agent-status-banner"
      className={`mb-6 rounded-lg border p-4 ${tripped ? "border-red-200 bg-red-50 text-red-950" : "border-amber-200 bg-amber-50 text-amber-950"}`}
    >
      <p className="text-sm font-semibold">
        {showLink ? (
          <Link href={`/agents/${encodeURIComponent(agent.name)}`} className="underline">
            {agent.name}
          </Link>
        ) : (
          agent.name
        )}{" "}
        is {tripped ? `tripped${agent.breakerName ? ` by breaker ${agent.breakerName}` : ""}` : "paused"}: everything it asks (clearance, budgets, prompts) is refused until it is resumed.
      </p>
      <p className="mt-1 text-sm">{agent.statusReason ?? "No reason recorded."}</p>
      <p className="mt-1 text-xs">
        {agent.statusSetBy ? `Set by ${agent.statusSetBy}` : ""} {agent.statusChangedAt && <Time value={agent.statusChangedAt} />}
      </p>
      <div className="mt-3">
        <RunbookCard target="AGENT" targetId={agent.id} targetName={agent.name} canEdit={false} compact />
      </div>
    </section>
  );
}

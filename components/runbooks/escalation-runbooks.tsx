// The escalation page's runbooks, read-only: its policy's and its agent's, so the person deciding sees what to check and whom to call.
import Link from "next/link";
import { Card, CardHeader } from "@/components/ui/card";
import { runbookForEscalation } from "@/lib/runbooks/queries";
import { runbookVersionLine, RunbookText } from "./runbook-text";

export async function EscalationRunbooks({ escalationId }: { escalationId: string }) {
  const found = await runbookForEscalation(escalationId);
  if (!found || (!found.policy && !found.agent)) return null;
  const { policy, agent } = found;
  return (
    <Card data-testid="escalation-runbooks">
      <CardHeader title="Runbooks" description="What to check and whom to call before deciding." />
      <div className="divide-y divide-slate-100">
        {policy && (
          <section className="space-y-2 px-5 py-4" aria-labelledby={`runbook-policy-${policy.policy.id}`} data-testid="policy-runbook">
            <h3 id={`runbook-policy-${policy.policy.id}`} className="text-sm font-semibold text-slate-900">
              Policy “{policy.policy.name}”{policy.policy.removed ? " (removed)" : ""}
            </h3>
            <RunbookText body={policy.runbook.body} />
            {policy.runbook.body !== null && <p className="text-xs text-slate-600">{runbookVersionLine(policy.runbook)}</p>}
          </section>
        )}
        {agent && (
          <section className="space-y-2 px-5 py-4" aria-labelledby={`runbook-agent-${agent.agent.id}`} data-testid="agent-runbook">
            <h3 id={`runbook-agent-${agent.agent.id}`} className="text-sm font-semibold text-slate-900">
              Agent {agent.agent.name}
            </h3>
            <RunbookText body={agent.runbook.body} />
            <p className="text-xs text-slate-600">
              {agent.runbook.body !== null && <>{runbookVersionLine(agent.runbook)} · </>}
              <Link href={`/agents/${encodeURIComponent(agent.agent.name)}`} className="font-medium text-brand-700 underline underline-offset-2">
                Open the agent&apos;s page
              </Link>
            </p>
          </section>
        )}
      </div>
    </Card>
  );
}

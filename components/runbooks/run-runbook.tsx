// The run timeline's runbook of the agent: collapsed while the agent is active, open when it is paused or tripped.
import Link from "next/link";
import { runbookForAgentName } from "@/lib/runbooks/queries";
import { runbookVersionLine, RunbookText } from "./runbook-text";

export async function RunRunbook({ agentName }: { agentName: string | null }) {
  if (!agentName) return null;
  const found = await runbookForAgentName(agentName);
  if (!found) return null;
  const { agent, runbook } = found;
  const stopped = agent.status !== "ACTIVE";
  return (
    <details open={stopped} className="mb-4 rounded-lg border border-slate-200 bg-white shadow-xs" data-testid="run-runbook">
      <summary className="cursor-pointer px-5 py-3 text-sm font-medium text-slate-900">
        Runbook of {agent.name}
        <span className="font-normal text-slate-600">
          {runbook.body === null ? " · none yet" : ` · ${runbookVersionLine(runbook)}`}
          {stopped && ` · the agent is ${agent.status === "TRIPPED" ? "tripped" : "paused"}`}
        </span>
      </summary>
      <div className="space-y-2 border-t border-slate-100 px-5 py-4">
        <RunbookText body={runbook.body} />
        <p className="text-xs">
          <Link href={`/agents/${encodeURIComponent(agent.name)}`} className="font-medium text-brand-700 underline underline-offset-2">
            Open the agent&apos;s page
          </Link>
        </p>
      </div>
    </details>
  );
}

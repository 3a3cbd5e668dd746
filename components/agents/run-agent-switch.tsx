// The run timeline's kill switch: the run's agent status and, for those allowed, pause (or resume) it without leaving the run.
import Link from "next/link";
import { agentStatusByName } from "@/lib/agents/queries";
import { ActionNotice } from "@/components/ui/action-notice";
import { KillSwitch } from "./kill-switch";
import { StatusBadge } from "./health";

export async function RunAgentSwitch({ agentName, canControl }: { agentName: string | null; canControl: boolean }) {
  if (!agentName) return null;
  const agent = await agentStatusByName(agentName);
  if (!agent) return null;
  return (
    <span className="inline-flex items-start gap-2" data-testid="run-agent-switch">
      {agent.status !== "ACTIVE" && (
        <Link href={`/agents/${encodeURIComponent(agent.name)}`} title={agent.statusReason ?? undefined}>
          <span className="sr-only">Agent {agent.name}: </span>
          <StatusBadge status={agent.status} />
        </Link>
      )}
      {canControl && (
        <span className="inline-flex flex-col items-end">
          <KillSwitch target="agent" name={agent.name} current={agent.status} to={agent.status === "ACTIVE" ? "PAUSED" : "ACTIVE"} tripReason={agent.statusReason} />
          <ActionNotice className="empty:hidden" />
        </span>
      )}
    </span>
  );
}

/**
 * The demo agents' operations side, set through the same commands the console
 * uses: a runbook per agent (what to check, whom to call), breakers (observe
 * mode on each agent, so the Overview has something to show without stopping
 * the demo; one enforced), and the KPI monitor paused by the ops lead, as it
 * would be after its analyst model hung.
 */
import type { Actor } from "@/lib/audit";
import { createBreakerCommand } from "@/lib/agents/breakers/commands";
import { setAgentStatusCommand } from "@/lib/agents/status";
import { execute } from "@/lib/commands";
import { db } from "@/lib/db";
import { updateAgentRunbookCommand } from "@/lib/runbooks/commands";
import { AGENTS } from "./scenarios";

const RUNBOOKS: Record<string, string> = {
  [AGENTS.invoice.name]: `## When it fails or trips
1. Open the failing run: is the **ERP** answering? Check the *ERP status* board: https://status.example.com/erp
2. Amounts over EUR 5,000 always go to compliance: never raise its authority to clear a queue.
3. Repeated \`erp.lookup_invoice\` timeouts: pause it, and tell **Finance Ops on-call** (+31 20 555 0100).

Resume only once a test invoice reconciles end to end.`,
  [AGENTS.supplier.name]: `## Before you resume it
- Read its last three e-mails to the supplier: tone, commitments, prices.
- A loop on \`email.fetch_inbox\` means the mailbox is rate-limited: wait 15 minutes.
- Any price concession above 3 % needs **Procurement lead** sign-off (Anke, ext. 4417).`,
  [AGENTS.tickets.name]: `## Misrouted tickets
1. Check the last 20 routed tickets in the CRM for the queue mix.
2. VIP tickets must go to *Tier 2*: if not, pause it and route by hand.
3. Escalate to **Support tooling** on-call: https://oncall.example.com/support-tooling`,
  [AGENTS.kpi.name]: `## Hanging or stalled
- The analyst model is the usual cause: check the provider's status page https://status.example.com/models
- Corrective actions it starts are reversible for 2 hours: list them in the run before resuming.
- Call the **Operations duty manager** (+31 20 555 0199) if a KPI action is still open.`,
};

export async function seedDemoAgentOps(ops: Actor, now = new Date()): Promise<{ runbooks: number; breakers: number; paused: number }> {
  const agents = await db.agent.findMany({ where: { name: { in: Object.values(AGENTS).map((a) => a.name) } }, select: { id: true, name: true } });
  const byName = new Map(agents.map((a) => [a.name, a]));
  let runbooks = 0;
  let breakers = 0;
  for (const [name, body] of Object.entries(RUNBOOKS)) {
    const agent = byName.get(name);
    if (!agent) continue;
    await execute(updateAgentRunbookCommand, ops, { agentId: agent.id, body, message: "First runbook, from the on-call wiki", baseVersion: undefined });
    runbooks++;
  }
  const breaker = async (agent: string, settings: Record<string, unknown>) => {
    if (!byName.has(agent)) return;
    await execute(createBreakerCommand, ops, { agent, settings: { enabled: true, coolDownMinutes: 15, halfOpen: false, mode: "OBSERVE", ...settings } });
    breakers++;
  };
  for (const { name } of Object.values(AGENTS)) {
    await breaker(name, { name: "Tool errors", condition: "TOOL_ERROR_RATE", params: { thresholdPct: 30, window: 20, minSample: 10 } });
    await breaker(name, { name: "Runaway spend", condition: "SPEND_HOUR", params: { limitUsd: 5 } });
  }
  await breaker(AGENTS.invoice.name, { name: "Rejected payments", condition: "ESCALATIONS_REJECTED", params: { count: 3 }, mode: "ENFORCE", halfOpen: true, coolDownMinutes: 30 });
  await breaker(AGENTS.supplier.name, { name: "Inbox loops", condition: "LOOPS", params: { runs: 3, windowMinutes: 60 }, mode: "ENFORCE" });
  await breaker(AGENTS.kpi.name, { name: "Long runs", condition: "RUN_DURATION", params: { maxMinutes: 45 } });
  let paused = 0;
  if (byName.has(AGENTS.kpi.name)) {
    await execute(setAgentStatusCommand, ops, {
      agent: AGENTS.kpi.name,
      status: "PAUSED",
      reason: `Its analyst model hung overnight (${now.toISOString().slice(0, 10)}); paused until the provider's incident is closed.`,
    });
    paused++;
  }
  return { runbooks, breakers, paused };
}

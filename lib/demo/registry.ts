/**
 * The demo's prompt registry and agent configurations, written through the
 * same audited commands people use: each demo prompt's versions (the ones the
 * demo runs call), `production` moved by the ops lead and approved by
 * compliance at the time each rollout happened in the demo period (the
 * history rows are backdated to it, so the drift chart's markers sit where
 * the outcomes change), one configuration per agent, and two proposals still
 * waiting for compliance, so the Changes page has work on it.
 */
import "@/lib/changes/appliers";
import { proposeAgentConfig } from "@/lib/agents/config";
import type { Actor } from "@/lib/audit";
import { approveChange } from "@/lib/changes/commands";
import { db } from "@/lib/db";
import { createPromptVersion } from "@/lib/prompts/commands";
import { moveLabel } from "@/lib/prompts/labels";
import { DEFAULT_DAYS } from "./generator";

interface DemoPrompt {
  name: string;
  /** Version texts, v1 first. */
  versions: { template: string; message: string; model: string }[];
  /** production's moves: [version, share of the demo period elapsed (0 = its start)]. */
  moves: [number, number][];
  /** A further version proposed for production, waiting for approval. */
  pending?: number;
}

const v = (template: string, message: string, model = "gpt-4o") => ({ template, message, model });

const PROMPTS: DemoPrompt[] = [
  {
    name: "invoice-reconcile",
    versions: [
      v("Match each invoice line to the purchase order in the ERP. Report mismatches.", "First version"),
      v("Match each invoice line of {{supplier}} to its purchase order in the ERP. Report mismatches with the amounts.", "Name the supplier and the amounts"),
      v("You reconcile invoices of {{supplier}} against purchase orders in the ERP.\nFor each line: find the PO line, compare quantity and unit price.\nReport mismatches with both amounts.", "Line-by-line procedure"),
      v("You reconcile invoices of {{supplier}} against purchase orders in the ERP.\nFor each line: find the PO line, compare quantity, unit price and currency.\nIf a line differs by more than {{tolerance}} %, ask for clearance before booking.\nReport mismatches with both amounts.", "Tolerance and clearance above it"),
    ],
    moves: [
      [3, 0],
      [4, 0.55],
    ],
  },
  {
    name: "supplier-negotiation",
    versions: [
      v("Negotiate delivery dates with suppliers by e-mail. Be polite.", "First version"),
      v("Negotiate delivery dates and prices with {{supplier}} by e-mail. Stay polite; never accept a price above the PO.", "Price ceiling"),
      v("You negotiate with {{supplier}} by e-mail on behalf of procurement.\nGoals: the delivery date in the PO, a price at or below the PO.\nNever commit above {{maxAmount}} without clearance.", "Authority limit in the prompt"),
      v("You negotiate with {{supplier}} by e-mail on behalf of procurement.\nGoals: the delivery date in the PO, a price at or below the PO, payment terms of 30 days or more.\nNever commit above {{maxAmount}} without clearance.", "Ask for payment terms too"),
    ],
    moves: [
      [2, 0],
      [3, 0.4],
    ],
    pending: 4,
  },
  {
    name: "ticket-triage",
    versions: [1, 2, 3, 4, 5, 6].map((n) =>
      v(`Route the support ticket to one of: billing, shipping, technical, account.${n >= 3 ? "\nDetect the customer's language first." : ""}${n >= 5 ? "\nEscalate legal threats to a person." : ""}${n >= 6 ? "\nUse the customer's order history." : ""}`, n === 1 ? "First version" : `Revision ${n}`, "gpt-4o-mini"),
    ),
    moves: [
      [5, 0],
      [6, 0.5],
    ],
  },
  {
    name: "kpi-triage",
    versions: [
      v("A KPI moved. Decide: ignore, watch or open a corrective action.", "First version", "claude-sonnet-4"),
      v("A KPI moved by {{delta}}. Compare with the last 4 weeks, then decide: ignore, watch or open a corrective action with its owner.", "Baseline and owner", "claude-sonnet-4"),
    ],
    moves: [
      [1, 0],
      [2, 0.3],
    ],
  },
];

const AGENT_CONFIGS: Record<string, { model: string; promptName: string; allowedTools: string[]; authorityLimits: Record<string, number>; autonomyLevel: number }> = {
  "invoice-reconciler": { model: "gpt-4o", promptName: "invoice-reconcile", allowedTools: ["erp.*", "email.send"], authorityLimits: { maxAmountUsd: 5000 }, autonomyLevel: 1 },
  "supplier-negotiator": { model: "gpt-4o", promptName: "supplier-negotiation", allowedTools: ["email.*", "erp.lookup_po"], authorityLimits: { maxAmountUsd: 20000 }, autonomyLevel: 1 },
  "ticket-router": { model: "gpt-4o-mini", promptName: "ticket-triage", allowedTools: ["crm.*", "ticket.*"], authorityLimits: {}, autonomyLevel: 2 },
  "kpi-monitor": { model: "claude-sonnet-4", promptName: "kpi-triage", allowedTools: ["metrics.*", "actions.open"], authorityLimits: { maxActionsPerDay: 3 }, autonomyLevel: 1 },
};

async function backdate(changeId: string, at: Date): Promise<void> {
  await db.change.update({ where: { id: changeId }, data: { proposedAt: new Date(at.getTime() - 3_600_000), appliedAt: at } });
  await db.promptLabelMove.updateMany({ where: { changeId }, data: { movedAt: at } });
}

/** Writes the demo registry; `ops` proposes, `compliance` approves. Returns the number of changes made. */
export async function seedDemoRegistry(ops: Actor, compliance: Actor, now = Date.now()): Promise<number> {
  const period = DEFAULT_DAYS * 86_400_000;
  const start = now - period;
  let changes = 0;
  for (const prompt of PROMPTS) {
    for (const version of prompt.versions) {
      await createPromptVersion(ops, prompt.name, { template: version.template, config: { model: version.model, temperature: 0.2 }, message: version.message });
    }
    for (const [version, elapsed] of prompt.moves) {
      const { change } = await moveLabel(ops, { prompt: prompt.name, label: "production", version, canary: null, reason: elapsed === 0 ? "Initial release" : `Roll out v${version}` });
      await approveChange(compliance, { changeId: change.id, comment: "Diff reviewed; evaluations look good." });
      await backdate(change.id, new Date(start + elapsed * period - (elapsed === 0 ? 2 * 86_400_000 : 0)));
      changes++;
    }
    if (prompt.pending) {
      await moveLabel(ops, { prompt: prompt.name, label: "production", version: prompt.pending, canary: null, reason: `Roll out v${prompt.pending}: asks for payment terms` });
      changes++;
    }
  }
  for (const [agent, config] of Object.entries(AGENT_CONFIGS)) {
    if (!(await db.agent.findUnique({ where: { name: agent }, select: { id: true } }))) continue;
    const first = await proposeAgentConfig(ops, { agent, config: { ...config, promptLabel: "production" }, reason: "Configuration at go-live" });
    await approveChange(compliance, { changeId: first.change.id, comment: "Matches the go-live checklist." });
    await db.change.update({ where: { id: first.change.id }, data: { proposedAt: new Date(start - 3 * 86_400_000), appliedAt: new Date(start - 2 * 86_400_000) } });
    changes++;
    if (agent === "invoice-reconciler") {
      await proposeAgentConfig(ops, { agent, config: { ...config, promptLabel: "production", authorityLimits: { maxAmountUsd: 15000 } }, reason: "Quarter-end volume: let it book invoices up to $15,000 without clearance" });
      changes++;
    }
  }
  return changes;
}

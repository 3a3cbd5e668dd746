/**
 * Demo budgets, set by a finance user through the same commands the console
 * uses: an organisation budget, one per team sized from the team's last 30
 * days (so some are on course to run out), and a hard cap on one agent.
 */
import "@/lib/changes/appliers";
import type { Actor } from "@/lib/audit";
import { db } from "@/lib/db";
import { setBudget } from "@/lib/spend/budgets/commands";
import { toLimitString } from "@/lib/spend/budgets/schemas";

const roundUp = (usd: number, step: number) => Math.max(step, Math.ceil(usd / step) * step);

export async function seedDemoBudgets(finance: Actor, now = new Date()): Promise<number> {
  const since = new Date(now.getTime() - 30 * 86_400_000);
  const teams = await db.$queryRaw<{ name: string; cost: string }[]>`
    SELECT t."name", COALESCE(SUM(d."costUsd"), 0)::text AS cost
    FROM "Team" t LEFT JOIN "SpendDaily" d ON d."teamId" = t."id" AND d."day" >= ${since}::date
    GROUP BY t."name" ORDER BY t."name"`;
  if (teams.length === 0) return 0;
  const total = teams.reduce((sum, t) => sum + Number(t.cost), 0);
  let set = 0;
  const put = async (target: Parameters<typeof setBudget>[1]["target"], limit: number, hardCap: boolean, reason: string) => {
    await setBudget(finance, { target, state: { monthlyLimitUsd: toLimitString(limit), thresholds: [50, 80, 100], hardCap }, reason, expect: "absent" });
    set++;
  };
  await put({ scope: "organisation" }, roundUp(total * 1.25, 50), false, "Monthly LLM budget approved by the CFO");
  for (const [i, team] of teams.entries()) {
    // Every other team gets a limit under its usual month: its forecast shows it running out.
    const factor = i % 2 === 0 ? 1.3 : 0.8;
    await put({ scope: "team", team: team.name }, roundUp(Number(team.cost) * factor, 10), false, `Team budget for ${team.name}`);
  }
  const agent = await db.agent.findFirst({ where: { name: "supplier-negotiator" }, select: { name: true } });
  if (agent) await put({ scope: "agent", agent: agent.name }, 40, true, "Hard cap while the negotiation agent is piloted");
  return set;
}

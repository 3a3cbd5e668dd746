/**
 * What the budget routes share: the change a budget command made, as the API
 * answers it (`applied` or `pending`, with its console URL), and the budget
 * after it.
 */
import "server-only";
import type { ProposeResult } from "@/lib/changes/commands";
import { AppError } from "@/lib/errors";
import { budgetJson, getBudget, type BudgetJson } from "./queries";
import { budgetIdSchema } from "./schemas";

export interface BudgetChangeAnswer {
  budget: BudgetJson | null;
  change: { id: string; status: "applied" | "pending"; title: string; requiredApprovals: number; url: string };
}

export function changeAnswer({ change, applied }: ProposeResult) {
  return { id: change.id, status: applied ? ("applied" as const) : ("pending" as const), title: change.title, requiredApprovals: change.requiredApprovals, url: `/changes/${change.id}` };
}

export async function budgetAnswer(id: string | null, proposed: ProposeResult): Promise<BudgetChangeAnswer> {
  const view = id ? await getBudget(id) : null;
  return { budget: view ? budgetJson(view) : null, change: changeAnswer(proposed) };
}

export function parseBudgetId(raw: string): string {
  const id = budgetIdSchema.safeParse(raw);
  if (!id.success) throw new AppError("bad_request:budget_id", "Malformed budget id.");
  return id.data;
}

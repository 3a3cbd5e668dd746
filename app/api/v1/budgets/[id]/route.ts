// One budget: `GET`, `PATCH { monthlyLimitUsd?, thresholds?, hardCap?, reason? }` and `DELETE`.
// Lowering the limit, adding the cap or new thresholds apply at once (200); a raise, a removed cap
// or a removal answer 202 with the pending change, whatever the key's scopes (a second person approves).
import "@/lib/changes/appliers";
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseBody } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { AppError } from "@/lib/errors";
import { budgetAnswer, parseBudgetId } from "@/lib/spend/budgets/api";
import { setBudget, stateFromPatch } from "@/lib/spend/budgets/commands";
import { budgetJson, getBudget, type BudgetView } from "@/lib/spend/budgets/queries";
import { budgetPatchBodySchema, parseTargetKey, reasonSchema, toLimitString, type BudgetTarget } from "@/lib/spend/budgets/schemas";
import { z } from "zod";

export const dynamic = "force-dynamic";

async function budgetOr404(raw: string): Promise<BudgetView> {
  const view = await getBudget(parseBudgetId(raw));
  if (!view) throw new AppError("not_found:budget", "There is no such budget.");
  return view;
}

const targetOf = (view: BudgetView): BudgetTarget => parseTargetKey(view.target)!;

export const GET = apiRoute<{ id: string }>("admin", async (_request, { params }) => {
  return NextResponse.json(budgetJson(await budgetOr404(params.id)));
});

export const PATCH = apiRoute<{ id: string }>("admin", async (request, { key, params }) => {
  const view = await budgetOr404(params.id);
  const body = await parseBody(request, budgetPatchBodySchema, { surface: "budget", message: "The budget change is not valid." });
  const current = { monthlyLimitUsd: toLimitString(view.monthlyLimitUsd), thresholds: view.thresholds, hardCap: view.hardCap };
  const proposed = await setBudget(key.actor, {
    target: targetOf(view),
    state: stateFromPatch(current, body),
    reason: body.reason ?? `Changed through the API by ${key.name}.`,
    expect: "present",
  });
  return NextResponse.json(await budgetAnswer(view.id, proposed), { status: proposed.applied ? 200 : 202 });
});

const deleteBodySchema = z.object({ reason: reasonSchema.optional() }).strict();

export const DELETE = apiRoute<{ id: string }>("admin", async (request, { key, params }) => {
  const view = await budgetOr404(params.id);
  const hasBody = (request.headers.get("content-length") ?? "0") !== "0" || request.headers.has("transfer-encoding");
  const body = hasBody ? await parseBody(request, deleteBodySchema, { surface: "budget", message: "The removal is not valid." }) : {};
  const proposed = await setBudget(key.actor, { target: targetOf(view), state: null, reason: body.reason ?? `Removal asked through the API by ${key.name}.`, expect: "present" });
  return NextResponse.json(await budgetAnswer(proposed.applied ? null : view.id, proposed), { status: proposed.applied ? 200 : 202 });
});

export const { PUT, POST, OPTIONS } = methodNotAllowed(["GET", "PATCH", "DELETE"]);

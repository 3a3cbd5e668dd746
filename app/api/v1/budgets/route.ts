// Budgets: `GET /api/v1/budgets` (each with this month's spend, reservations and forecast) and
// `POST /api/v1/budgets { scope, team?, agent?, monthlyLimitUsd, thresholds?, hardCap?, reason? }`: a new budget applies at once (201).
import "@/lib/changes/appliers";
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseBody } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { budgetAnswer } from "@/lib/spend/budgets/api";
import { setBudget, stateFromCreate, targetFromCreate } from "@/lib/spend/budgets/commands";
import { budgetIdOfTarget, budgetJson, listBudgets } from "@/lib/spend/budgets/queries";
import { budgetCreateBodySchema } from "@/lib/spend/budgets/schemas";

export const dynamic = "force-dynamic";

export const GET = apiRoute("admin", async () => {
  const budgets = await listBudgets();
  return NextResponse.json({ data: budgets.map(budgetJson) });
});

export const POST = apiRoute("admin", async (request, { key }) => {
  const body = await parseBody(request, budgetCreateBodySchema, { surface: "budget", message: "The budget is not valid." });
  const target = targetFromCreate(body);
  const proposed = await setBudget(key.actor, {
    target,
    state: stateFromCreate(body),
    reason: body.reason ?? `Set through the API by ${key.name}.`,
    expect: "absent",
  });
  return NextResponse.json(await budgetAnswer(await budgetIdOfTarget(target), proposed), { status: proposed.applied ? 201 : 202 });
});

export const { PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET", "POST"]);

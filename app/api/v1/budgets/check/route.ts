// `GET /api/v1/budgets/check?agent=&estimatedCostUsd=` — would this spend be allowed now? Read-only: nothing is held.
// → `{ allowed, remainingUsd, budgets: [...] }` (`reason` when refused). Scope `budgets:check`.
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseQuery } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { gateAgentCall } from "@/lib/agents/gate";
import { checkBudget } from "@/lib/spend/budgets/reservations";
import { checkQuerySchema } from "@/lib/spend/budgets/schemas";

export const dynamic = "force-dynamic";

export const GET = apiRoute("budgets:check", async (request, { key }) => {
  const query = parseQuery(request, checkQuerySchema, { surface: "budget_check", message: "The budget check is not valid." });
  // A paused or tripped agent is told so (423) rather than what it may spend.
  await gateAgentCall(key, query.agent);
  const answer = await checkBudget(query.agent, query.estimatedCostUsd ?? 0);
  return NextResponse.json(answer, { headers: { "Cache-Control": "no-store" } });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET"]);

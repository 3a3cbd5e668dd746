// `POST /api/v1/budgets/reservations { agent, estimatedCostUsd, traceId?, ttlSeconds? }` — hold budget before spending.
// 201 `{ id, allowed: true, remainingUsd, expiresAt }`, or 409 `{ allowed: false, reason, remainingUsd }` when a hard cap
// of the agent, its team or the organisation would be exceeded. Holds until the trace's LLM calls arrive or it expires.
// Optional `Idempotency-Key` header: a retry with the same key gets the same reservation (201, `Idempotent-Replayed: true`).
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseBody } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { gateAgentCall } from "@/lib/agents/gate";
import { parseIdempotencyKey, reserveBudget } from "@/lib/spend/budgets/reservations";
import { reservationBodySchema } from "@/lib/spend/budgets/schemas";

export const dynamic = "force-dynamic";

export const POST = apiRoute("budgets:check", async (request, { key }) => {
  const body = await parseBody(request, reservationBodySchema, { surface: "reservation", message: "The reservation is not valid." });
  const idempotencyKey = parseIdempotencyKey(request.headers.get("idempotency-key"));
  // A paused or tripped agent reserves nothing (423); a key given to an agent reserves for that agent only.
  await gateAgentCall(key, body.agent);
  const answer = await reserveBudget(body, key.id, new Date(), { idempotencyKey });
  if (!answer.allowed) {
    return NextResponse.json({ allowed: false, reason: answer.reason, remainingUsd: answer.remainingUsd, budgets: answer.budgets }, { status: 409 });
  }
  const headers: Record<string, string> = { Location: `/api/v1/budgets/reservations/${answer.id}` };
  if (answer.repeated) headers["Idempotent-Replayed"] = "true";
  return NextResponse.json({ id: answer.id, allowed: true, remainingUsd: answer.remainingUsd, expiresAt: answer.expiresAt, budgets: answer.budgets }, { status: 201, headers });
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["POST"]);

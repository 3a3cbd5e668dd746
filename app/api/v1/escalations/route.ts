// An agent asks for clearance: `POST /api/v1/escalations { traceId, spanId, agent, tool, arguments, reason, confidence }`
// → 201 `{ id, status: "cleared" }` when no policy applies (recorded), else 201 `{ id, status: "pending", policy, slaDueAt, expiresAt, … }`.
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseBody } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { gateAgentCall } from "@/lib/agents/gate";
import { requestClearance } from "@/lib/escalations/request";
import { ESCALATION_BODY_LIMIT, escalationCreateSchema } from "@/lib/escalations/schemas";

export const dynamic = "force-dynamic";

export const POST = apiRoute("escalations:request", async (request, { key }) => {
  const body = await parseBody(request, escalationCreateSchema, { surface: "escalation", message: "The clearance request is not valid.", limit: ESCALATION_BODY_LIMIT });
  await gateAgentCall(key, body.agent);
  return NextResponse.json(await requestClearance(key.actor, body), { status: 201 });
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["POST"]);

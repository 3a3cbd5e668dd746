// One escalation: `GET ?waitSeconds=N` (N ≤ 55) long-polls until it is decided, woken through the notification
// hub on every instance; `DELETE` cancels it (the key that asked, or an admin key).
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseQuery } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { parseEscalationId, requireEscalationKey } from "@/lib/escalations/api";
import { cancelEscalation } from "@/lib/escalations/commands";
import { waitQuerySchema } from "@/lib/escalations/schemas";
import { waitForDecision } from "@/lib/escalations/wait";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ id: string }>(null, async (request, { key, params }) => {
  requireEscalationKey(key);
  const id = parseEscalationId(params.id);
  const { waitSeconds = 0 } = parseQuery(request, waitQuerySchema, { surface: "escalation_query" });
  const { escalation } = await waitForDecision(id, waitSeconds, request.signal);
  return NextResponse.json(escalation, { headers: { "Cache-Control": "no-store" } });
});

export const DELETE = apiRoute<{ id: string }>("escalations:request", async (_request, { key, params }) => {
  const id = parseEscalationId(params.id);
  return NextResponse.json(await cancelEscalation(key.actor, { escalationId: id, scopes: key.scopes }));
});

export const { POST, PUT, PATCH, OPTIONS } = methodNotAllowed(["GET", "DELETE"]);

// An integration decides for a named user: `POST /api/v1/escalations/{id}/decision { verdict, comment, decidedBy, arguments? }`,
// with the console's checks (that user's role, four eyes, not the requester); 409 once decided.
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseBody } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { parseEscalationId } from "@/lib/escalations/api";
import { decideEscalation } from "@/lib/escalations/commands";
import { decisionBodySchema, ESCALATION_BODY_LIMIT } from "@/lib/escalations/schemas";

export const dynamic = "force-dynamic";

export const POST = apiRoute<{ id: string }>("escalations:decide", async (request, { key, params }) => {
  const id = parseEscalationId(params.id);
  const body = await parseBody(request, decisionBodySchema, { surface: "escalation_decision", message: "The decision is not valid.", limit: ESCALATION_BODY_LIMIT });
  const { escalation, outcome, message } = await decideEscalation(key.actor, {
    escalationId: id,
    verdict: body.verdict,
    comment: body.comment,
    arguments: body.arguments,
    decidedBy: body.decidedBy,
  });
  return NextResponse.json({ ...escalation, outcome, message });
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["POST"]);

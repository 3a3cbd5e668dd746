// Escalation policies: `GET /api/v1/policies` and `POST /api/v1/policies { name, agent, team, toolPattern, argument, threshold,
// minConfidence, onLoop, onBudgetExceeded, maxAutonomyLevel, requiredApprovals, deciderRole, slaMinutes, deadlineMinutes,
// warnBeforeMinutes, timeoutAction, escalationChain, runbook, enabled, reason? }`: a new policy only adds clearance, so it applies at once (201).
import "@/lib/changes/appliers";
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseBody } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { policyAnswer, stateFromBody } from "@/lib/escalations/policies/api";
import { setPolicy } from "@/lib/escalations/policies/commands";
import { listPolicies } from "@/lib/escalations/policies/queries";
import { DEFAULT_STATE, policyCreateBodySchema } from "@/lib/escalations/policies/schemas";

export const dynamic = "force-dynamic";

export const GET = apiRoute("admin", async () => {
  return NextResponse.json({ data: await listPolicies() });
});

export const POST = apiRoute("admin", async (request, { key }) => {
  const body = await parseBody(request, policyCreateBodySchema, { surface: "policy", message: "The policy is not valid." });
  const { name, ...fields } = body;
  const state = stateFromBody(DEFAULT_STATE, fields);
  const proposed = await setPolicy(key.actor, { name, state, reason: body.reason ?? `Created through the API by ${key.name}.`, expect: "absent" });
  return NextResponse.json(await policyAnswer(name, proposed), { status: proposed.applied ? 201 : 202 });
});

export const { PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET", "POST"]);

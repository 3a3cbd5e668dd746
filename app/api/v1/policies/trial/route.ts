// Trying a policy against history before saving it: `POST /api/v1/policies/trial { …policy fields }` →
// `{ stopped, agents, byAgent, examples, summary, … }` ("over the last 30 days this policy would have stopped 42 tool calls of 3 agents").
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseBody } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { stateFromBody } from "@/lib/escalations/policies/api";
import { DEFAULT_STATE, policyPatchBodySchema } from "@/lib/escalations/policies/schemas";
import { tryPolicy } from "@/lib/escalations/policies/trial";

export const dynamic = "force-dynamic";

export const POST = apiRoute("admin", async (request) => {
  const body = await parseBody(request, policyPatchBodySchema, { surface: "policy", message: "The policy to try is not valid." });
  return NextResponse.json(await tryPolicy(stateFromBody(DEFAULT_STATE, body)));
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["POST"]);

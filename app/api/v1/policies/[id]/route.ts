// One policy: `GET`, `PATCH { …any field but name, reason? }` and `DELETE`. Tightening applies at once (200); loosening
// (disabling, a higher threshold, fewer approvals, approving at the deadline, removal…) answers 202 with the pending change.
import "@/lib/changes/appliers";
import { NextResponse } from "next/server";
import { z } from "zod";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseBody } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { AppError } from "@/lib/errors";
import { parsePolicyId, policyAnswer, stateFromBody } from "@/lib/escalations/policies/api";
import { setPolicy } from "@/lib/escalations/policies/commands";
import { getPolicy, type PolicyView } from "@/lib/escalations/policies/queries";
import { policyPatchBodySchema, type PolicyState } from "@/lib/escalations/policies/schemas";

export const dynamic = "force-dynamic";

async function policyOr404(raw: string): Promise<PolicyView> {
  const policy = await getPolicy(parsePolicyId(raw));
  if (!policy) throw new AppError("not_found:policy", "There is no such policy.");
  return policy;
}

function stateOf(view: PolicyView): PolicyState {
  const { id: _id, name: _name, version: _version, updatedAt: _updatedAt, pendingChange: _pending, ...state } = view;
  return state;
}

export const GET = apiRoute<{ id: string }>("admin", async (_request, { params }) => {
  return NextResponse.json(await policyOr404(params.id));
});

export const PATCH = apiRoute<{ id: string }>("admin", async (request, { key, params }) => {
  const view = await policyOr404(params.id);
  const body = await parseBody(request, policyPatchBodySchema, { surface: "policy", message: "The policy change is not valid." });
  const state = stateFromBody(stateOf(view), body);
  const proposed = await setPolicy(key.actor, { name: view.name, state, reason: body.reason ?? `Changed through the API by ${key.name}.`, expect: "present" });
  return NextResponse.json(await policyAnswer(view.name, proposed), { status: proposed.applied ? 200 : 202 });
});

const deleteBodySchema = z.object({ reason: z.string().trim().min(1).max(1000).optional() }).strict();

export const DELETE = apiRoute<{ id: string }>("admin", async (request, { key, params }) => {
  const view = await policyOr404(params.id);
  const hasBody = (request.headers.get("content-length") ?? "0") !== "0" || request.headers.has("transfer-encoding");
  const body = hasBody ? await parseBody(request, deleteBodySchema, { surface: "policy", message: "The removal is not valid." }) : {};
  const proposed = await setPolicy(key.actor, { name: view.name, state: null, reason: body.reason ?? `Removal asked through the API by ${key.name}.`, expect: "present" });
  return NextResponse.json(await policyAnswer(view.name, proposed), { status: proposed.applied ? 200 : 202 });
});

export const { PUT, POST, OPTIONS } = methodNotAllowed(["GET", "PATCH", "DELETE"]);

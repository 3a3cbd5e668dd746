// One breaker of an agent: `GET`, `PATCH` (any setting; `params` alone is checked against its condition) and `DELETE` (204).
// Keys with `agents:control`; a key given to an agent reads its own agent's breakers and changes none.
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseBody } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { agentForKey, breakerAnswer, parseBreakerId } from "@/lib/agents/breakers/api";
import { deleteBreakerCommand, updateBreakerCommand } from "@/lib/agents/breakers/commands";
import { breakerPatchBodySchema, fromApiCondition } from "@/lib/agents/breakers/schemas";
import { execute } from "@/lib/commands";

export const dynamic = "force-dynamic";

type Params = { name: string; id: string };

export const GET = apiRoute<Params>("agents:control", async (_request, { key, params }) => {
  const agent = await agentForKey(key, params.name, false);
  return NextResponse.json(await breakerAnswer(agent.id, parseBreakerId(params.id)), { headers: { "Cache-Control": "no-store" } });
});

export const PATCH = apiRoute<Params>("agents:control", async (request, { key, params }) => {
  const agent = await agentForKey(key, params.name, true);
  const id = parseBreakerId(params.id);
  const body = await parseBody(request, breakerPatchBodySchema, { surface: "breaker", message: "The breaker change is not valid.", limit: 16 * 1024 });
  const changes: Record<string, unknown> = {
    name: body.name,
    mode: body.mode === undefined ? undefined : body.mode === "enforce" ? "ENFORCE" : "OBSERVE",
    enabled: body.enabled,
    coolDownMinutes: body.coolDownMinutes,
    halfOpen: body.halfOpen,
    condition: body.condition === undefined ? undefined : fromApiCondition(body.condition),
    params: body.params,
  };
  for (const k of Object.keys(changes)) if (changes[k] === undefined) delete changes[k];
  await execute(updateBreakerCommand, key.actor, { agent: agent.name, breakerId: id, changes });
  return NextResponse.json(await breakerAnswer(agent.id, id), { headers: { "Cache-Control": "no-store" } });
});

export const DELETE = apiRoute<Params>("agents:control", async (_request, { key, params }) => {
  const agent = await agentForKey(key, params.name, true);
  await execute(deleteBreakerCommand, key.actor, { agent: agent.name, breakerId: parseBreakerId(params.id) });
  return new Response(null, { status: 204 });
});

export const { POST, PUT, OPTIONS } = methodNotAllowed(["GET", "PATCH", "DELETE"]);

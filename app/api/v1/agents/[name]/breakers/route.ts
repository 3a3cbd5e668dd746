// An agent's circuit breakers: `GET` (every breaker with its state, value and latest events) and `POST` (a new one,
// `{ name, condition, params, mode?, enabled?, coolDownMinutes?, halfOpen? }` → 201). Keys with `agents:control`;
// a key given to an agent reads its own agent's breakers and changes none.
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseBody } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { agentForKey, breakerAnswer } from "@/lib/agents/breakers/api";
import { createBreakerCommand } from "@/lib/agents/breakers/commands";
import { breakerJson, listBreakers } from "@/lib/agents/breakers/queries";
import { breakerCreateBodySchema, DEFAULT_COOL_DOWN_MINUTES, fromApiCondition } from "@/lib/agents/breakers/schemas";
import { execute } from "@/lib/commands";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ name: string }>("agents:control", async (_request, { key, params }) => {
  const agent = await agentForKey(key, params.name, false);
  const breakers = await listBreakers(agent.id);
  return NextResponse.json({ data: breakers.map(breakerJson) }, { headers: { "Cache-Control": "no-store" } });
});

export const POST = apiRoute<{ name: string }>("agents:control", async (request, { key, params }) => {
  const agent = await agentForKey(key, params.name, true);
  const body = await parseBody(request, breakerCreateBodySchema, { surface: "breaker", message: "The breaker is not valid.", limit: 16 * 1024 });
  const row = await execute(createBreakerCommand, key.actor, {
    agent: agent.name,
    settings: {
      name: body.name,
      condition: fromApiCondition(body.condition),
      params: body.params,
      mode: body.mode === "enforce" ? "ENFORCE" : "OBSERVE",
      enabled: body.enabled ?? true,
      coolDownMinutes: body.coolDownMinutes ?? DEFAULT_COOL_DOWN_MINUTES,
      halfOpen: body.halfOpen ?? false,
    },
  });
  return NextResponse.json(await breakerAnswer(agent.id, row.id), { status: 201, headers: { "Cache-Control": "no-store" } });
});

export const { PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET", "POST"]);

// `POST /api/v1/agents/{name}/breakers/replay` — when a breaker (`{ breakerId }`, or a draft `{ condition, params, coolDownMinutes? }`)
// would have fired on the agent's last 30 days of telemetry, and on which runs. Read-only; keys with `agents:control`.
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseBody } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { agentForKey, replayFromBody } from "@/lib/agents/breakers/api";
import { breakerReplayBodySchema } from "@/lib/agents/breakers/schemas";

export const dynamic = "force-dynamic";

export const POST = apiRoute<{ name: string }>("agents:control", async (request, { key, params }) => {
  const agent = await agentForKey(key, params.name, false);
  const body = await parseBody(request, breakerReplayBodySchema, { surface: "breaker_replay", message: "The replay is not valid.", limit: 16 * 1024 });
  return NextResponse.json(await replayFromBody(agent.id, body), { headers: { "Cache-Control": "no-store" } });
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["POST"]);

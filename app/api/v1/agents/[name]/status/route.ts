// An agent's status: `GET` (any valid key; ETag, max-age=2; `?waitSeconds=N` with If-None-Match waits for a change)
// → `{ agent, status, reason, since, setBy, breaker }`; `POST { status: "active" | "paused", reason, acknowledgeTrip? }`
// is the kill switch of incident tooling (scope `agents:control`; an agent's own key cannot resume it).
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { conditionalSerialised } from "@/lib/api/conditional";
import { parseBody, parseQuery } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { forgetAgentStatus } from "@/lib/agents/gate";
import { setAgentStatusCommand } from "@/lib/agents/status";
import { readAgentStatus, statusWhenChanged } from "@/lib/agents/status-api";
import { agentNameSchema, statusBodySchema, statusQuerySchema } from "@/lib/agents/status-schemas";
import { execute } from "@/lib/commands";
import { AppError } from "@/lib/errors";

export const dynamic = "force-dynamic";

function agentName(raw: string): string {
  const name = agentNameSchema.safeParse(raw);
  if (!name.success) throw new AppError("bad_request:agent_name", name.error.issues[0]?.message ?? "Malformed agent name.");
  return name.data;
}

export const GET = apiRoute<{ name: string }>(null, async (request, { key, params }) => {
  const name = agentName(params.name);
  if (key.agent && key.agent !== name) throw new AppError("forbidden:agent_key", `This key belongs to agent ${key.agent}; it cannot read ${name}.`);
  const { waitSeconds = 0 } = parseQuery(request, statusQuerySchema, { surface: "agent_status_query" });
  const { serialised, etag } = await statusWhenChanged(name, request.headers.get("if-none-match"), waitSeconds, request.signal);
  return conditionalSerialised(request, serialised, { maxAge: 2, etag });
});

export const POST = apiRoute<{ name: string }>("agents:control", async (request, { key, params }) => {
  const name = agentName(params.name);
  if (key.agent && key.agent !== name) throw new AppError("forbidden:agent_key", `This key belongs to agent ${key.agent}; it cannot change ${name}.`);
  const body = await parseBody(request, statusBodySchema, { surface: "agent_status", message: "The status change is not valid.", limit: 16 * 1024 });
  const result = await execute(setAgentStatusCommand, key.actor, {
    agent: name,
    status: body.status === "active" ? "ACTIVE" : "PAUSED",
    reason: body.reason,
    acknowledgeTrip: body.acknowledgeTrip,
  });
  forgetAgentStatus(name);
  return NextResponse.json({ ...(await readAgentStatus(name)), changed: result.changed }, { headers: { "Cache-Control": "no-store" } });
});

export const { PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET", "POST"]);

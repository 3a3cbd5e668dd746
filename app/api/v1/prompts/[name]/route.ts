// One prompt version for agents: `GET /api/v1/prompts/{name}?label=production[&key=…]|version=N[&agent=…]` (latest with neither), with an ETag;
// a label with a canary split serves one side per request, the same side for the same `key`.
import { methodNotAllowed } from "@/lib/api/methods";
import { conditionalSerialised } from "@/lib/api/conditional";
import { parseQuery } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { gateAgentCall } from "@/lib/agents/gate";
import { AppError } from "@/lib/errors";
import { servePrompt } from "@/lib/prompts/serve";
import { promptNameSchema, promptQuerySchema } from "@/lib/prompts/schemas";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ name: string }>("prompts:read", async (request, { key: caller, params }) => {
  const name = promptNameSchema.safeParse(params.name);
  if (!name.success) throw new AppError("bad_request:prompt_name", name.error.issues[0]?.message ?? "Malformed prompt name.");
  const { label, version, key, agent } = parseQuery(request, promptQuerySchema, { surface: "prompt_query", message: "Invalid query parameters." });
  // A fetch that names the agent (or is made with the agent's own key) is refused while it is paused or tripped.
  await gateAgentCall(caller, agent);
  const served = await servePrompt(name.data, label ? { label, key } : version ? { version } : { latest: true });
  // max-age=0: clients revalidate every time (a 304 costs one lookup), so a moved or rolled-back label is served on the next request.
  return conditionalSerialised(request, served.body, {
    maxAge: 0,
    etag: served.etag,
    headers: { "X-Flightdeck-Prompt-Version": String(served.version), ...(served.split ? { "X-Flightdeck-Prompt-Arm": served.split.arm } : {}) },
  });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET"]);

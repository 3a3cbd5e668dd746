// One prompt version for agents: `GET /api/v1/prompts/{name}?label=production[&key=…]|version=N` (latest with neither), with an ETag;
// a label with a canary split serves one side per request, the same side for the same `key`.
import { methodNotAllowed } from "@/lib/api/methods";
import { conditionalJson } from "@/lib/api/conditional";
import { parseQuery } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { AppError } from "@/lib/errors";
import { getPromptVersion, promptJson } from "@/lib/prompts/queries";
import { promptNameSchema, promptQuerySchema, type PromptJson } from "@/lib/prompts/schemas";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ name: string }>("prompts:read", async (request, { params }) => {
  const name = promptNameSchema.safeParse(params.name);
  if (!name.success) throw new AppError("bad_request:prompt_name", name.error.issues[0]?.message ?? "Malformed prompt name.");
  const { label, version, key } = parseQuery(request, promptQuerySchema, { surface: "prompt_query", message: "Invalid query parameters." });
  const found = await getPromptVersion(name.data, label ? { label, key } : version ? { version } : { latest: true });
  // max-age=0: clients revalidate every time (a 304 costs a hash), so a moved or rolled-back label is served on the next request.
  return conditionalJson(request, promptJson(found) satisfies PromptJson, {
    maxAge: 0,
    headers: { "X-Flightdeck-Prompt-Version": String(found.version), ...(found.split ? { "X-Flightdeck-Prompt-Arm": found.split.arm } : {}) },
  });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET"]);

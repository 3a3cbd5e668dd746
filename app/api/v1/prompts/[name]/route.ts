// One prompt version for agents: `GET /api/v1/prompts/{name}?label=production|version=N` (latest with neither), with an ETag.
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
  const { label, version } = parseQuery(request, promptQuerySchema, { surface: "prompt_query", message: "Invalid query parameters." });
  const found = await getPromptVersion(name.data, label ? { label } : version ? { version } : { latest: true });
  return conditionalJson(request, promptJson(found) satisfies PromptJson, { maxAge: 5 });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET"]);

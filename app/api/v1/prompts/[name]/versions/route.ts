// Publishes a prompt version: `POST /api/v1/prompts/{name}/versions` `{ template, config, message }` (creates the prompt on its first version).
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseBody } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { AppError } from "@/lib/errors";
import { createPromptVersion } from "@/lib/prompts/commands";
import { promptJson } from "@/lib/prompts/queries";
import { newPromptVersionSchema, promptNameSchema, type PromptJson } from "@/lib/prompts/schemas";

export const dynamic = "force-dynamic";

export const POST = apiRoute<{ name: string }>("prompts:write", async (request, { key, params }) => {
  const name = promptNameSchema.safeParse(params.name);
  if (!name.success) throw new AppError("bad_request:prompt_name", name.error.issues[0]?.message ?? "Malformed prompt name.");
  const input = await parseBody(request, newPromptVersionSchema, { surface: "prompt_version", message: "The prompt version is not valid." });
  const created = await createPromptVersion(key.actor, name.data, input);
  return NextResponse.json(promptJson({ ...created, label: null }) satisfies PromptJson, { status: 201 });
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["POST"]);

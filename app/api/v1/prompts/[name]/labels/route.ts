// Moves a prompt label: `POST /api/v1/prompts/{name}/labels { label, version, canary?, reason? }`.
// 200 when the label is not protected (moved); 202 with the pending change when it is, whatever the key's scopes.
import "@/lib/changes/appliers";
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseBody } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { AppError } from "@/lib/errors";
import { moveLabel } from "@/lib/prompts/labels";
import { labelMoveBodySchema, type LabelMoveResult } from "@/lib/prompts/labels-schema";
import { promptNameSchema } from "@/lib/prompts/schemas";

export const dynamic = "force-dynamic";

export const POST = apiRoute<{ name: string }>("prompts:write", async (request, { key, params }) => {
  const name = promptNameSchema.safeParse(params.name);
  if (!name.success) throw new AppError("bad_request:prompt_name", name.error.issues[0]?.message ?? "Malformed prompt name.");
  const body = await parseBody(request, labelMoveBodySchema, { surface: "prompt_label", message: "The label move is not valid." });
  const canary = body.canary ?? null;
  const { change, applied } = await moveLabel(key.actor, {
    prompt: name.data,
    label: body.label,
    version: body.version,
    canary,
    reason: body.reason ?? `Moved through the API by ${key.name}.`,
  });
  const answer: LabelMoveResult = {
    name: name.data,
    label: body.label,
    version: body.version,
    canary,
    change: { id: change.id, status: applied ? "applied" : "pending", title: change.title, requiredApprovals: change.requiredApprovals, url: `/changes/${change.id}` },
  };
  return NextResponse.json(answer, { status: applied ? 200 : 202 });
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["POST"]);

// Prompt labels: `GET /api/v1/prompts/{name}/labels` (now and their history); moves one: `POST /api/v1/prompts/{name}/labels { label, version, canary?, reason? }`.
// 200 when the label is not protected (moved); 202 with the pending change when it is, whatever the key's scopes.
import "@/lib/changes/appliers";
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseBody } from "@/lib/api/parse";
import { conditionalJson } from "@/lib/api/conditional";
import { apiRoute } from "@/lib/api/route";
import { AppError } from "@/lib/errors";
import { moveLabel } from "@/lib/prompts/labels";
import { labelHistoryQuerySchema, labelMoveBodySchema, type LabelHistoryJson, type LabelMoveResult } from "@/lib/prompts/labels-schema";
import { labelHistoryJson } from "@/lib/prompts/queries";
import { parseQuery } from "@/lib/api/parse";
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

// The labels now and every move (`?label=` one label, `?limit=` the newest N, default 200).
export const GET = apiRoute<{ name: string }>("prompts:read", async (request, { params }) => {
  const name = promptNameSchema.safeParse(params.name);
  if (!name.success) throw new AppError("bad_request:prompt_name", name.error.issues[0]?.message ?? "Malformed prompt name.");
  const query = parseQuery(request, labelHistoryQuerySchema, { surface: "label_history_query", message: "Invalid query parameters." });
  const body: LabelHistoryJson = await labelHistoryJson(name.data, query.label, query.limit ?? 200);
  return conditionalJson(request, body, { maxAge: 0 });
});

export const { PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET", "POST"]);

// GET /api/v1/whoami: which key is this? Lets an agent check its key (and a
// scope it needs) at startup instead of failing on its first real call.
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseQuery } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { whoamiQuerySchema } from "@/lib/api/schemas";
import { AppError } from "@/lib/errors";
import { API_KEY_SCOPES, isApiKeyScope, keyHasScope } from "@/lib/rbac";

export const dynamic = "force-dynamic";

export const GET = apiRoute(null, async (request, { key }) => {
  const { requireScope: required } = parseQuery(request, whoamiQuerySchema, { surface: "scope" });
  const body = { key: { id: key.id, name: key.name, prefix: key.prefix, scopes: key.scopes } };
  if (required === undefined) return NextResponse.json(body);
  if (!isApiKeyScope(required)) {
    throw new AppError("bad_request:scope", `Unknown scope \`${required}\`; one of: ${API_KEY_SCOPES.join(", ")}.`);
  }
  if (!keyHasScope(key.scopes, required)) {
    throw new AppError("forbidden:api_key", `This API key lacks the \`${required}\` scope.`);
  }
  return NextResponse.json({ ...body, requiredScopeGranted: true });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET"]);

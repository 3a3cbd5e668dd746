/** What the clearance routes share: id parsing (400 for a malformed id, before any read) and the key checks. */
import "server-only";
import type { ApiKeyCaller } from "@/lib/api-keys/authenticate";
import { AppError } from "@/lib/errors";
import { keyHasScope } from "@/lib/rbac";
import { escalationIdSchema } from "./schemas";

export function parseEscalationId(raw: string): string {
  const id = escalationIdSchema.safeParse(raw);
  if (!id.success) throw new AppError("bad_request:escalation_id", "Malformed escalation id.");
  return id.data;
}

/** Reading an escalation: keys that ask for clearance or decide it. */
export function requireEscalationKey(key: ApiKeyCaller): void {
  if (!keyHasScope(key.scopes, "escalations:request") && !keyHasScope(key.scopes, "escalations:decide")) {
    throw new AppError("forbidden:api_key", "This API key lacks the `escalations:request` or `escalations:decide` scope.");
  }
}

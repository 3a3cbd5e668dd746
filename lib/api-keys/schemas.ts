import { z } from "zod";
import { API_KEY_SCOPES } from "@/lib/rbac";

export const createApiKeySchema = z.object({
  name: z.string().trim().min(1, "Name the key after who uses it.").max(80),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1, "Choose at least one scope."),
  expiresInDays: z.coerce.number().int().min(0).max(3650).default(0),
});
export type CreateApiKeyInput = z.infer<typeof createApiKeySchema>;

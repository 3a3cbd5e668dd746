import { z } from "zod";
import { API_KEY_SCOPES } from "@/lib/rbac";

export const createApiKeySchema = z.object({
  name: z.string().trim().min(1, "Name the key after who uses it.").max(80),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1, "Choose at least one scope."),
  expiresInDays: z.coerce.number().int().min(0).max(3650).default(0),
  /** The agent this key is given to: it then acts for that agent only, and can never resume it once paused or tripped. */
  agent: z
    .string()
    .trim()
    .max(200, "Agent names have at most 200 characters.")
    .transform((s) => (s === "" ? undefined : s))
    .optional(),
});
export type CreateApiKeyInput = z.infer<typeof createApiKeySchema>;

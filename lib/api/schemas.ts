/**
 * Shapes the foundation routes answer with (the error body, /api/health,
 * /api/v1/whoami) and whoami's query: the OpenAPI document is generated from
 * them, and handlers use them as output types. Answers are never parsed.
 */
import { z } from "zod";
import { API_KEY_SCOPES } from "@/lib/rbac";

/** `{ error: { code, message, details? } }`, the one error shape of every route (lib/errors.ts ErrorBody). */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string().meta({
      description: "`type:surface`; the type fixes the HTTP status.",
      examples: ["unauthorized:api_key", "forbidden:api_key", "bad_request:json", "not_found:route"],
    }),
    message: z.string(),
    details: z.unknown().optional().meta({ description: "For 400s: `[{ path, message }]`, one entry per invalid field." }),
  }),
});

export const healthSchema = z.object({
  status: z.enum(["ok", "unavailable"]),
  database: z.enum(["ok", "unreachable"]),
  latencyMs: z.number().int().optional(),
});
export type HealthJson = z.output<typeof healthSchema>;

export const whoamiQuerySchema = z.object({
  // Checked against the scope list by the handler, which names the valid scopes in its 400.
  requireScope: z.string().optional(),
});

export const whoamiSchema = z.object({
  key: z.object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().meta({ description: "The first characters of the key, as shown in Settings", examples: ["fd_AbC123"] }),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
  }),
  requiredScopeGranted: z.boolean().optional().meta({ description: "Present (true) when `requireScope` was given and the key has it." }),
});
export type WhoamiJson = z.output<typeof whoamiSchema>;

/**
 * Reads behind the runs HTTP API (`GET /api/v1/runs`, `GET /api/v1/runs/{id}`),
 * shaped exactly as DESIGN.md "Field names": camelCase, USD as numbers, ISO
 * times, lowercase statuses. Strict: a malformed filter is a 400, not ignored.
 */
import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { decodeCursor, encodeCursor, ROW_ID } from "@/lib/ids";
import { MAX_QUERY_YEAR, MIN_QUERY_YEAR } from "@/lib/security/page-query";

const STATUSES = ["running", "succeeded", "failed", "escalated", "stalled"] as const;

/**
 * An ISO date or date-time whose year is one a run can have (lib/security/page-query.ts):
 * a valid-looking `0000-01-01` would otherwise reach PostgreSQL as 1 BC, and the same
 * range keeps every accepted instant inside what its timestamps hold.
 */
const apiTime = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], { message: "Must be an ISO date or date-time." })
  .refine((v) => !Number.isNaN(new Date(v.length === 10 ? `${v}T00:00:00Z` : v).getTime()), "Must be an ISO date or date-time.")
  .refine((v) => {
    const year = new Date(v.length === 10 ? `${v}T00:00:00Z` : v).getUTCFullYear();
    return year >= MIN_QUERY_YEAR && year <= MAX_QUERY_YEAR;
  }, `Must be a time from the years ${MIN_QUERY_YEAR} to ${MAX_QUERY_YEAR}.`);

export const runListQuerySchema = z.object({
  traceId: z
    .string()
    .trim()
    .transform((v) => v.toLowerCase())
    .pipe(z.string().regex(/^[0-9a-f]{32}$/, "traceId must be 32 hex characters"))
    .optional(),
  agent: z.string().trim().min(1).max(200).optional(),
  status: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(STATUSES))
    .optional(),
  from: apiTime.optional(),
  to: apiTime.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type RunListQuery = z.infer<typeof runListQuerySchema>;

const runSelect = {
  id: true,
  traceId: true,
  name: true,
  status: true,
  outcome: true,
  startedAt: true,
  endedAt: true,
  inputTokens: true,
  outputTokens: true,
  cachedInputTokens: true,
  costUsd: true,
  stepCount: true,
  unpricedCount: true,
  flagLoop: true,
  flagStall: true,
  flagToolFailure: true,
  flagEscalated: true,
  flagExecutedDifferently: true,
  agent: { select: { name: true } },
  team: { select: { name: true } },
} satisfies Prisma.RunSelect;

type RunRow = Prisma.RunGetPayload<{ select: typeof runSelect }>;

function runJson(r: RunRow) {
  return {
    id: r.id,
    traceId: r.traceId,
    name: r.name,
    agent: r.agent?.name ?? null,
    team: r.team?.name ?? null,
    status: r.status.toLowerCase(),
    outcome: r.outcome.toLowerCase(),
    startedAt: r.startedAt.toISOString(),
    endedAt: r.endedAt?.toISOString() ?? null,
    totals: {
      inputTokens: Number(r.inputTokens),
      outputTokens: Number(r.outputTokens),
      cachedInputTokens: Number(r.cachedInputTokens),
      costUsd: Number(r.costUsd),
      steps: r.stepCount,
    },
    flags: {
      loop: r.flagLoop,
      stall: r.flagStall,
      toolFailure: r.flagToolFailure,
      unpriced: r.unpricedCount > 0,
      escalated: r.flagEscalated,
      executedDifferently: r.flagExecutedDifferently,
    },
  };
}
export type RunListItem = ReturnType<typeof runJson>;

function encodeRunCursor(r: { startedAt: Date; id: string }): string {
  return encodeCursor(r.startedAt.toISOString(), r.id);
}

function decodeRunCursor(cursor: string): { startedAt: Date; id: string } {
  const decoded = decodeCursor(cursor);
  const startedAt = new Date(typeof decoded?.[0] === "string" ? decoded[0] : Number.NaN);
  const year = startedAt.getUTCFullYear();
  // A forged cursor can hold any time JavaScript parses, beyond what PostgreSQL's timestamps hold.
  if (!decoded || Number.isNaN(year) || year < MIN_QUERY_YEAR || year > MAX_QUERY_YEAR) {
    const message = "The cursor is not one this API returned.";
    // Details shaped like parseQuery's, so clients find the parameter where they find the others.
    throw new AppError("bad_request:cursor", message, [{ path: "cursor", message }]);
  }
  return { startedAt, id: decoded[1] };
}

const asTime = (v: string) => new Date(v.length === 10 ? `${v}T00:00:00Z` : v);

/** Newest first, keyset-paginated on (startedAt, id). */
export async function listRunsForApi(query: RunListQuery): Promise<{ data: RunListItem[]; nextCursor: string | null }> {
  const and: Prisma.RunWhereInput[] = [];
  if (query.traceId) and.push({ traceId: query.traceId });
  if (query.agent) and.push({ agent: { name: query.agent } });
  if (query.status) and.push({ status: query.status.toUpperCase() as RunRow["status"] });
  if (query.from) and.push({ startedAt: { gte: asTime(query.from) } });
  if (query.to) and.push({ startedAt: { lt: asTime(query.to) } });
  if (query.cursor) {
    const c = decodeRunCursor(query.cursor);
    and.push({ OR: [{ startedAt: { lt: c.startedAt } }, { startedAt: c.startedAt, id: { lt: c.id } }] });
  }
  const rows = await db.run.findMany({
    where: { AND: and },
    orderBy: [{ startedAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
    select: runSelect,
  });
  const page = rows.slice(0, query.limit);
  return { data: page.map(runJson), nextCursor: rows.length > query.limit ? encodeRunCursor(page[page.length - 1]!) : null };
}

/**
 * A run id (cuid) or its trace id (32 hex); anything else is malformed. The
 * trace id is tried first: one in sixteen starts with `c` and would also pass
 * for a cuid-shaped id (cuids are 25 characters, never 32).
 */
export function parseRunKey(raw: string): { id: string } | { traceId: string } {
  const value = raw.trim();
  if (/^[0-9a-fA-F]{32}$/.test(value)) return { traceId: value.toLowerCase() };
  if (ROW_ID.test(value)) return { id: value };
  throw new AppError("bad_request:run_id", "A run id is a run's id or its 32-hex-character trace id.");
}

export async function getRunForApi(raw: string) {
  const run = await db.run.findUnique({
    where: parseRunKey(raw),
    select: {
      ...runSelect,
      conversationId: true,
      outcomeImpact: true,
      outputScore: true,
      lastStepAt: true,
      steps: { orderBy: [{ startedAt: "asc" }, { id: "asc" }] },
    },
  });
  if (!run) throw new AppError("not_found:run", "No run with this id.");
  return {
    ...runJson(run),
    conversationId: run.conversationId,
    outcomeImpact: run.outcomeImpact,
    outputScore: run.outputScore,
    lastStepAt: run.lastStepAt.toISOString(),
    steps: run.steps.map((s) => ({
      id: s.id,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      kind: s.kind,
      name: s.name,
      status: s.status === "FAILED" ? "failed" : "ok",
      error: s.error,
      startedAt: s.startedAt.toISOString(),
      endedAt: s.endedAt?.toISOString() ?? null,
      model: s.model,
      provider: s.provider,
      inputTokens: s.inputTokens,
      outputTokens: s.outputTokens,
      cachedInputTokens: s.cachedInputTokens,
      costUsd: s.costUsd === null ? null : Number(s.costUsd),
      unpriced: s.unpriced,
      promptName: s.promptName,
      promptVersion: s.promptVersion,
      tool: s.tool,
      arguments: s.arguments,
      result: s.result,
      decision: s.decision,
      inputMessages: s.inputMessages,
      outputMessages: s.outputMessages,
      attributes: s.attributes,
      redactions: s.redactions,
      flagLoop: s.flagLoop,
    })),
  };
}

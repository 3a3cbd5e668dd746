/**
 * The audit log's reads for the Audit page: filtered, paged by sequence number
 * (newest first), facets for the filter menus and the chain verification.
 */
import "server-only";
import { z } from "zod";
import { verifyAuditChain, type VerifyResult } from "@/lib/audit";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { firstValue, ignoredParams, queryDate, queryText, type IgnoredQueryParam, type PageSearchParams } from "@/lib/security/page-query";

/** PostgreSQL's bigint: a larger `before` would fail the query instead of paging. */
const MAX_SEQ = 2n ** 63n - 1n;

/** Each filter on its own, strict: what the page reports as ignored. */
const auditFilterFields = {
  q: queryText(200),
  action: queryText(100),
  actor: queryText(200),
  targetType: queryText(100),
  from: queryDate({ withTime: false }),
  to: queryDate({ withTime: false }),
  /** Show events with seq below this (newest first). */
  before: z
    .string()
    .regex(/^\d{1,19}$/, "not an event number")
    .transform((v) => BigInt(v))
    .refine((v) => v > 0n && v <= MAX_SEQ, "not an event number")
    .optional(),
};

/** Lenient: a malformed value is dropped, never an error (auditFilterReport says which). */
export const auditFilterSchema = z.object({
  q: auditFilterFields.q.catch(undefined),
  action: auditFilterFields.action.catch(undefined),
  actor: auditFilterFields.actor.catch(undefined),
  targetType: auditFilterFields.targetType.catch(undefined),
  from: auditFilterFields.from.catch(undefined),
  to: auditFilterFields.to.catch(undefined),
  before: auditFilterFields.before.catch(undefined),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

/** The Audit page's filter from Next's searchParams, plus every parameter it dropped for the page's notice. */
export function auditFilterReport(params: PageSearchParams): { filter: AuditFilter; ignored: IgnoredQueryParam[] } {
  const input = Object.fromEntries(Object.keys(auditFilterFields).map((key) => [key, firstValue(params[key])]));
  return { filter: auditFilterSchema.parse(input), ignored: ignoredParams(auditFilterFields, input) };
}

export const AUDIT_PAGE_SIZE = 50;

export async function listAuditEvents(filter: AuditFilter) {
  const where: Prisma.AuditEventWhereInput = {};
  if (filter.action) where.action = { startsWith: filter.action };
  if (filter.actor) where.actorLabel = { contains: filter.actor, mode: "insensitive" };
  if (filter.targetType) where.targetType = filter.targetType;
  if (filter.from || filter.to) {
    where.occurredAt = {
      ...(filter.from ? { gte: new Date(`${filter.from}T00:00:00Z`) } : {}),
      ...(filter.to ? { lt: new Date(new Date(`${filter.to}T00:00:00Z`).getTime() + 86_400_000) } : {}),
    };
  }
  if (filter.q) {
    where.OR = [
      { targetId: filter.q },
      { action: { contains: filter.q, mode: "insensitive" } },
      { actorLabel: { contains: filter.q, mode: "insensitive" } },
    ];
  }
  if (filter.before) where.seq = { lt: filter.before };
  const rows = await db.auditEvent.findMany({ where, orderBy: { seq: "desc" }, take: AUDIT_PAGE_SIZE + 1 });
  const page = rows.slice(0, AUDIT_PAGE_SIZE);
  return {
    events: page,
    nextBefore: rows.length > AUDIT_PAGE_SIZE ? page[page.length - 1]!.seq : null,
  };
}

export async function auditFacets() {
  const [actions, targetTypes, total] = await Promise.all([
    db.auditEvent.findMany({ distinct: ["action"], select: { action: true }, orderBy: { action: "asc" } }),
    db.auditEvent.findMany({ distinct: ["targetType"], select: { targetType: true }, orderBy: { targetType: "asc" } }),
    db.auditEvent.count(),
  ]);
  return { actions: actions.map((a) => a.action), targetTypes: targetTypes.map((t) => t.targetType), total };
}

/** Re-computes the whole chain (Audit › Verify chain). */
export function verifyAuditLog(): Promise<VerifyResult> {
  return verifyAuditChain(db);
}

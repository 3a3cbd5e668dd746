import "server-only";
import { z } from "zod";
import { verifyAuditChain, type VerifyResult } from "@/lib/audit";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";

export const auditFilterSchema = z.object({
  q: z.string().trim().max(200).optional().catch(undefined),
  action: z.string().trim().max(100).optional().catch(undefined),
  actor: z.string().trim().max(200).optional().catch(undefined),
  targetType: z.string().trim().max(100).optional().catch(undefined),
  from: z.iso.date().optional().catch(undefined),
  to: z.iso.date().optional().catch(undefined),
  /** Show events with seq below this (newest first). */
  before: z.coerce.bigint().positive().optional().catch(undefined),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

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

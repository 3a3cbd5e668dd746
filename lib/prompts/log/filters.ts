/**
 * The Prompt log's filters other than the text, as SQL on a row that has the log's columns
 * ("runId", "promptName", "promptVersion", model, "startedAt"): a PromptLogDoc when searching, a
 * Step when counting the calls not indexed yet. One source, so both answer the same question.
 */
import { Prisma } from "@/lib/generated/prisma/client";
import type { PromptLogFilter } from "./params";

/** `alias` is a table alias written by this module's callers, never user input. */
export function filterConditions(filter: PromptLogFilter, alias: string): Prisma.Sql[] {
  const a = Prisma.raw(alias);
  const where: Prisma.Sql[] = [];
  if (filter.agent) where.push(Prisma.sql`${a}."runId" IN (SELECT r.id FROM "Run" r JOIN "Agent" ag ON ag.id = r."agentId" WHERE ag.name = ${filter.agent})`);
  if (filter.team) where.push(Prisma.sql`${a}."runId" IN (SELECT r.id FROM "Run" r JOIN "Team" tm ON tm.id = r."teamId" WHERE tm.name = ${filter.team})`);
  if (filter.prompt) where.push(Prisma.sql`${a}."promptName" = ${filter.prompt}`);
  if (filter.version !== undefined) where.push(Prisma.sql`${a}."promptVersion" = ${filter.version}`);
  if (filter.model) where.push(Prisma.sql`${a}.model = ${filter.model}`);
  if (filter.from) where.push(Prisma.sql`${a}."startedAt" >= ${filter.from}`);
  if (filter.to) where.push(Prisma.sql`${a}."startedAt" < ${filter.to}`);
  return where;
}

export const and = (parts: Prisma.Sql[]) => (parts.length ? Prisma.join(parts, " AND ") : Prisma.sql`TRUE`);

/** Lone surrogates (JavaScript strings may hold them; UTF-8 cannot) become U+FFFD, NUL is dropped. */
export const wellFormed = (s: string) => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD").replaceAll("\0", "");

/** The filter's names as PostgreSQL can hold them (a forged link may carry anything). */
export function storableFilter(input: PromptLogFilter): PromptLogFilter {
  const text = (v: string | undefined) => (v === undefined ? undefined : wellFormed(v));
  return { ...input, prompt: text(input.prompt), model: text(input.model), agent: text(input.agent), team: text(input.team) };
}

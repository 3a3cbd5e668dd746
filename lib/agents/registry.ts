/**
 * The agent and team registry as telemetry fills it: a team or an agent seen
 * for the first time is created, in one statement per batch, on the
 * transaction's connection; an agent joins the first team seen with it. Rows
 * are inserted in name order so concurrent batches cannot deadlock.
 */
import type { Tx } from "@/lib/db";
import { bulkQuery, type Connection } from "@/lib/db/bulk";
import { newId } from "@/lib/ids";

export interface RegisteredAgent {
  id: string;
  name: string;
  teamId: string | null;
  loopThreshold: number | null;
}

/** Creates the teams not seen before; returns name → id for all of them. */
export async function resolveTeams(
  tx: Tx,
  names: string[],
  connection: Connection = null,
): Promise<{ ids: Map<string, string>; created: string[] }> {
  const ids = new Map<string, string>();
  if (names.length === 0) return { ids, created: [] };
  const sorted = [...names].sort();
  const rows = await bulkQuery<{ id: string; name: string; created: boolean }>(
    tx,
    connection,
    `WITH input AS (SELECT * FROM unnest($1::text[], $2::text[]) AS t(id, name)),
    ins AS (
      INSERT INTO "Team" (id, name) SELECT id, name FROM input ORDER BY name
      ON CONFLICT (name) DO NOTHING RETURNING id, name
    )
    SELECT id, name, true AS created FROM ins
    UNION ALL SELECT t.id, t.name, false FROM "Team" t JOIN input i ON i.name = t.name`,
    [sorted.map(() => newId()), sorted],
  );
  const created: string[] = [];
  for (const r of rows) {
    ids.set(r.name, r.id);
    if (r.created) created.push(r.name);
  }
  // A team committed by a concurrent request after this statement's snapshot: read it again.
  const missing = sorted.filter((n) => !ids.has(n));
  if (missing.length) {
    for (const r of await tx.team.findMany({ where: { name: { in: missing } }, select: { id: true, name: true } })) ids.set(r.name, r.id);
  }
  return { ids, created };
}

/** Creates the agents not seen before (in their team); gives a team to known agents that had none. */
export async function resolveAgents(
  tx: Tx,
  wanted: Map<string, string | null>,
  connection: Connection = null,
): Promise<{ agents: Map<string, RegisteredAgent>; created: string[] }> {
  const agents = new Map<string, RegisteredAgent>();
  if (wanted.size === 0) return { agents, created: [] };
  const names = [...wanted.keys()].sort();
  const rows = await bulkQuery<RegisteredAgent & { created: boolean }>(
    tx,
    connection,
    `WITH input AS (
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, name, "teamId")
    ),
    ins AS (
      INSERT INTO "Agent" (id, name, "teamId", "updatedAt") SELECT id, name, "teamId", now() FROM input ORDER BY name
      ON CONFLICT (name) DO NOTHING RETURNING id, name, "teamId", "loopThreshold"
    )
    SELECT id, name, "teamId", "loopThreshold", true AS created FROM ins
    UNION ALL SELECT a.id, a.name, a."teamId", a."loopThreshold", false FROM "Agent" a JOIN input i ON i.name = a.name`,
    [names.map(() => newId()), names, names.map((n) => wanted.get(n) ?? null)],
  );
  const created: string[] = [];
  for (const r of rows) {
    agents.set(r.name, { id: r.id, name: r.name, teamId: r.teamId, loopThreshold: r.loopThreshold });
    if (r.created) created.push(r.name);
  }
  const missing = names.filter((n) => !agents.has(n));
  if (missing.length) {
    const found = await tx.agent.findMany({
      where: { name: { in: missing } },
      select: { id: true, name: true, teamId: true, loopThreshold: true },
    });
    for (const r of found) agents.set(r.name, r);
  }
  const adopt = [...agents.values()].filter((a) => a.teamId === null && wanted.get(a.name));
  for (const agent of adopt) {
    agent.teamId = wanted.get(agent.name) ?? null;
    // Only rows still without a team are touched (and locked).
    await tx.agent.updateMany({ where: { id: agent.id, teamId: null }, data: { teamId: agent.teamId } });
  }
  return { agents, created };
}

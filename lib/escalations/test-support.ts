/**
 * Fixtures for the escalation integration tests (imported by *.int.test.ts
 * only): people per role, API keys per scope with a known creator, agents in
 * teams through ingestion, policies set through change control, and route
 * calls as Next makes them.
 */
import { randomBytes } from "node:crypto";
import { NextRequest } from "next/server";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { db } from "@/lib/db";
import type { Role } from "@/lib/rbac";
import { ingestBatch } from "@/lib/telemetry/pipeline";
import type { StepDraft } from "@/lib/telemetry/types";
import { createUser } from "@/lib/users/commands";
import { stepDraft } from "@/tests/factories/step-draft";
import { randomSpanId, randomTraceId } from "@/tests/factories/otlp";
import { setPolicy } from "./policies/commands";
import { DEFAULT_STATE, type PolicyState } from "./policies/schemas";

export const suffix = randomBytes(3).toString("hex");
export const unique = (base: string) => `${base}-${suffix}-${randomBytes(2).toString("hex")}`;
export const ingestActor: Actor = { ...SYSTEM_ACTOR, label: "escalation tests" };

export async function person(role: Role, tag: string): Promise<Actor & { type: "USER"; id: string }> {
  const user = await createUser(SYSTEM_ACTOR, { email: `${tag}-${unique("u")}@example.com`.toLowerCase(), name: tag, role, password: "correct horse battery" });
  return { type: "USER", id: user.id, label: user.email };
}

/** An API key with these scopes, created by `owner` (the requester of what it asks). */
export async function apiKey(scopes: string[], owner: { id: string } | null = null): Promise<{ key: string; id: string; actor: Actor }> {
  const key = generateApiKey();
  const name = unique(`key ${scopes.join("+")}`);
  const row = await db.apiKey.create({ data: { name, prefix: key.slice(0, 9), hash: hashApiKey(key), scopes, createdById: owner?.id ?? null } });
  return { key, id: row.id, actor: { type: "API_KEY", id: row.id, label: name } };
}

/** Ingests steps (native path, so every post-store hook runs). */
export async function ingest(steps: StepDraft[]) {
  return ingestBatch(ingestActor, { source: "native", steps });
}

/** An agent (in a team) known through one ingested LLM call; returns the names and the run's trace. */
export async function agentInTeam(options: { cost?: number } = {}): Promise<{ agent: string; team: string; traceId: string }> {
  const agent = unique("agent");
  const team = unique("team");
  const traceId = randomTraceId();
  await ingest([
    stepDraft({ traceId, spanId: randomSpanId(), kind: "LLM_CALL", name: "chat", model: "esc-test-model", startedAt: new Date(), inputTokens: 1, outputTokens: 1, carriedCostUsd: options.cost ?? 0, agentName: agent, teamName: team }),
  ]);
  return { agent, team, traceId };
}

export function toolCall(traceId: string, agent: string, tool: string, args: Record<string, unknown>, over: Partial<StepDraft> = {}): StepDraft {
  return stepDraft({ traceId, spanId: randomSpanId(), kind: "TOOL_CALL", name: tool, tool, arguments: args as StepDraft["arguments"], startedAt: new Date(), endedAt: new Date(), agentName: agent, ...over });
}

/** A policy applied at once (new) by a compliance user. */
export async function newPolicy(by: Actor, name: string, over: Partial<PolicyState>) {
  return setPolicy(by, { name, state: { ...DEFAULT_STATE, ...over }, reason: "test", expect: "absent" });
}

export const request = (method: string, path: string, key: string | null, body?: unknown, signal?: AbortSignal) =>
  new NextRequest(`http://localhost${path}`, {
    method,
    signal,
    headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
export const noParams = { params: Promise.resolve({}) };
export const idParams = (id: string) => ({ params: Promise.resolve({ id }) });

export async function json(response: Response): Promise<{ status: number; body: Record<string, unknown> & { error?: { code: string; message: string } } }> {
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

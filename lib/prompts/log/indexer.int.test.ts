/**
 * The Prompt log's indexing job against the real database: ingestion writes no search document,
 * the job does (LLM calls only, in bounded batches), a call whose transaction commits after later
 * calls were read is still indexed, a step's document goes with it, the page's count of calls not
 * indexed yet (filters, cap), and the job as the scheduler runs it.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { stopJobs, runJobNow, type TickResult } from "@/lib/jobs/scheduler";
import { newId } from "@/lib/ids";
import { createAgent, createRun, hex } from "@/tests/factories/runs";
import { catchUpPromptLog, describeIndexLag, indexPromptLog, LAG_COUNT_CAP, promptLogIndexLag } from "./indexer";
import { searchPromptLog } from "./search";

const suffix = randomBytes(3).toString("hex");
const word = (base: string) => `${base}${suffix}x${randomBytes(2).toString("hex")}`;

afterAll(async () => {
  await stopJobs();
});

/** An LLM call (and a tool call beside it) of a new run, stored as ingestion would: no document. */
async function storeCall(content: string, agent?: { id: string; teamId: string | null }) {
  const { run, traceId } = await createRun(db, { agentId: agent?.id, teamId: agent?.teamId, steps: [{ kind: "TOOL_CALL", tool: "lookup", arguments: { q: content } }] });
  const step = await db.step.create({
    data: { runId: run.id, traceId, spanId: hex(8), kind: "LLM_CALL", name: "chat", startedAt: new Date(), model: "gpt-4o", inputMessages: [{ role: "user", content }] },
  });
  return { run, step };
}

const docOf = (stepId: string) => db.promptLogDoc.findUnique({ where: { stepId } });
const found = async (q: string) => (await searchPromptLog({ q, limit: 10 })).rows.map((r) => r.stepId);

describe("the prompt_log_index job", () => {
  it("indexes what ingestion stored, LLM calls only, and the search then finds it", async () => {
    await catchUpPromptLog();
    const w = word("fresh");
    const { run, step } = await storeCall(`please look up ${w}`);
    expect(await docOf(step.id)).toBeNull();
    expect(await found(w)).toEqual([]);

    const run1 = await indexPromptLog();
    expect(run1).toMatchObject({ caughtUp: true });
    expect(run1.indexed).toBeGreaterThanOrEqual(1);
    expect(await docOf(step.id)).toMatchObject({ runId: run.id, model: "gpt-4o", startedAt: step.startedAt });
    expect(await found(w)).toEqual([step.id]);
    const tool = await db.step.findFirstOrThrow({ where: { runId: run.id, kind: "TOOL_CALL" } });
    expect(await docOf(tool.id)).toBeNull();

    // With no other transaction open, the next tick starts about a second before this one began.
    const [state] = await db.$queryRaw<{ behindMs: number }[]>`
      SELECT (extract(epoch FROM localtimestamp(3) - "safeCreatedAt") * 1000)::float8 AS "behindMs" FROM "PromptLogIndexState"`;
    expect(state!.behindMs).toBeLessThan(10_000);
    expect((await indexPromptLog()).indexed).toBe(0);
  });

  it("works in bounded batches and says how far behind it is until it has caught up", async () => {
    await catchUpPromptLog();
    const agent = await createAgent(db, { name: `log-lag-${suffix}` });
    const w = word("batch");
    const stored = [];
    for (let i = 0; i < 5; i++) stored.push((await storeCall(`batch ${i} ${w}`, agent)).step.id);
    const lag = await promptLogIndexLag({ agent: agent.name });
    expect(lag).toMatchObject({ calls: 5, more: false });
    expect(lag.waitingMs).toBeGreaterThanOrEqual(0);
    expect(lag.waitingMs).toBeLessThan(60_000);
    expect(describeIndexLag(lag, { searching: true })).toBe("5 LLM calls from the last minute are not searchable here yet: new calls are indexed every 10 seconds.");
    // Other filters: none of these calls passes, so nothing is said.
    expect(await promptLogIndexLag({ agent: `no-such-agent-${suffix}` })).toMatchObject({ calls: 0, waitingMs: null });

    // No budget: one batch of two calls read, then the tick ends.
    const tick = await indexPromptLog({ budgetMs: 0, batch: 2 });
    expect(tick.caughtUp).toBe(false);
    expect(tick.indexed + tick.alreadyIndexed).toBe(2);

    await catchUpPromptLog();
    expect(await promptLogIndexLag({ agent: agent.name })).toEqual({ calls: 0, more: false, waitingMs: null });
    expect((await searchPromptLog({ q: w, limit: 10 })).rows.map((r) => r.stepId).sort()).toEqual([...stored].sort());
  });

  it("indexes a call whose transaction commits after later calls were read (createdAt is its transaction's start)", async () => {
    await catchUpPromptLog();
    const w = word("late");
    const { run, traceId } = await createRun(db, {});
    const late = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await late.connect();
    try {
      await late.query("BEGIN");
      const lateId = newId();
      await late.query(
        `INSERT INTO "Step" (id, "runId", "traceId", "spanId", kind, name, "startedAt", "inputMessages")
         VALUES ($1, $2, $3, $4, 'LLM_CALL', 'chat', now(), jsonb_build_array(jsonb_build_object('role', 'user', 'content', $5::text)))`,
        [lateId, run.id, traceId, hex(8), `a slow transaction about ${w}`],
      );
      // A call stored (and committed) after the slow transaction began, read by the job meanwhile.
      const { step: later } = await storeCall(`a quick one ${word("quick")}`);
      await indexPromptLog();
      expect(await docOf(later.id)).not.toBeNull();
      const state = await db.promptLogIndexState.findUniqueOrThrow({ where: { id: 1 } });
      const lateRow = await late.query<{ createdAt: Date }>(`SELECT "createdAt" FROM "Step" WHERE id = $1`, [lateId]);
      // The job has read past the slow call's place (a watermark at the last call read would skip it),
      // and starts its next tick just before the slow transaction began.
      const lateAt = lateRow.rows[0]!.createdAt.getTime();
      expect(state.scannedCreatedAt.getTime()).toBeGreaterThan(lateAt);
      expect(state.safeCreatedAt.getTime()).toBeLessThanOrEqual(lateAt);
      expect(state.safeCreatedAt.getTime()).toBeGreaterThan(lateAt - 5_000);
      // Meanwhile the next tick reads the calls stored since again, and writes none twice.
      expect(await indexPromptLog()).toMatchObject({ indexed: 0 });

      await late.query("COMMIT");
      expect(await docOf(lateId)).toBeNull();
      await indexPromptLog();
      expect(await docOf(lateId)).not.toBeNull();
      expect(await found(w)).toEqual([lateId]);
    } finally {
      await late.end();
    }
  });

  it("a step's document goes with the step", async () => {
    const w = word("gone");
    const { run, step } = await storeCall(`soon deleted ${w}`);
    await catchUpPromptLog();
    expect(await docOf(step.id)).not.toBeNull();
    await db.run.delete({ where: { id: run.id } });
    expect(await docOf(step.id)).toBeNull();
    expect(await found(w)).toEqual([]);
  });

  it("counts at most LAG_COUNT_CAP calls, then says more than that", async () => {
    await catchUpPromptLog();
    const { run, traceId } = await createRun(db, {});
    await db.$executeRaw`
      INSERT INTO "Step" (id, "runId", "traceId", "spanId", kind, name, "startedAt", "inputMessages")
      SELECT 'clag' || ${suffix} || lpad(g::text, 16, '0'), ${run.id}, ${traceId}, lpad(to_hex(g), 16, '0'), 'LLM_CALL', 'chat', now(), '[]'::jsonb
      FROM generate_series(1, ${LAG_COUNT_CAP + 5}) g`;
    try {
      const lag = await promptLogIndexLag();
      expect(lag).toMatchObject({ calls: LAG_COUNT_CAP, more: true });
      expect(describeIndexLag(lag, { searching: false })).toBe("More than 10,000 LLM calls from the last minute are not listed here yet: indexing is catching up.");
    } finally {
      await db.run.delete({ where: { id: run.id } });
    }
  });

  it("runs as a registered job, under the scheduler's lock, with its counts as the summary", async () => {
    const { step } = await storeCall(`through the scheduler ${word("sched")}`);
    const result = await runJobNow("prompt_log_index");
    expect(result.status).toBe("succeeded");
    const summary = (result as Extract<TickResult, { status: "succeeded" }>).summary;
    expect(summary).toMatchObject({ caughtUp: true });
    expect(summary?.indexed).toBeGreaterThanOrEqual(1);
    expect(await docOf(step.id)).not.toBeNull();
  });
});

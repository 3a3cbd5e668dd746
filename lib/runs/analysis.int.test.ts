import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { analyzeRuns } from "./analysis";
import { detectLoops } from "./loops";
import { createAgent, createRun } from "@/tests/factories/runs";

describe("analyzeRuns (at ingestion)", () => {
  it("flags the repeated tool calls and decisions of a looping run, as the pure rule says", async () => {
    const agent = await createAgent(db);
    const { run } = await createRun(db, {
      agentId: agent.id,
      status: "RUNNING",
      steps: [
        { kind: "TOOL_CALL", tool: "lookup_order", arguments: { id: 7, verbose: true } },
        { kind: "LLM_CALL" },
        { kind: "TOOL_CALL", tool: "lookup_order", arguments: { verbose: true, id: 7 } },
        { kind: "TOOL_CALL", tool: "lookup_order", arguments: { id: 8 } },
        { kind: "TOOL_CALL", tool: "lookup_order", arguments: { verbose: true, id: 7 } },
        { kind: "TOOL_CALL", tool: "notify", arguments: "Call  Customer" },
        { kind: "TOOL_CALL", tool: "notify", arguments: "call customer" },
        { kind: "DECISION", decision: { chosen: "Retry" } },
        { kind: "DECISION", decision: { chosen: "retry" } },
      ],
    });
    const other = await createRun(db, { agentId: agent.id, steps: [{ kind: "TOOL_CALL", tool: "lookup_order", arguments: { id: 7 } }] });
    await db.$transaction((tx) => analyzeRuns(tx, [run.id, other.run.id]));

    const steps = await db.step.findMany({ where: { runId: run.id }, orderBy: { startedAt: "asc" } });
    const flagged = steps.filter((s) => s.flagLoop).map((s) => s.name);
    expect(flagged).toEqual(["step 0", "step 2", "step 4"]);
    expect(new Set(flagged.map((n) => steps.find((s) => s.name === n)!.id))).toEqual(
      detectLoops(steps.map((s) => ({ id: s.id, kind: s.kind, tool: s.tool, arguments: s.arguments, decision: s.decision })), 3),
    );
    expect((await db.run.findUniqueOrThrow({ where: { id: run.id } })).flagLoop).toBe(true);
    expect((await db.run.findUniqueOrThrow({ where: { id: other.run.id } })).flagLoop).toBe(false);
  });

  it("uses the agent's loop threshold, and flags later batches that complete a loop", async () => {
    const agent = await createAgent(db, { loopThreshold: 2 });
    const { run } = await createRun(db, { agentId: agent.id, steps: [{ kind: "DECISION", decision: { chosen: "escalate" } }] });
    await db.$transaction((tx) => analyzeRuns(tx, [run.id]));
    expect((await db.run.findUniqueOrThrow({ where: { id: run.id } })).flagLoop).toBe(false);
    await db.step.create({
      data: { runId: run.id, traceId: run.traceId, spanId: "ffffffffffffffff", kind: "DECISION", name: "again", startedAt: new Date(), decision: { chosen: "Escalate" } },
    });
    await db.$transaction((tx) => analyzeRuns(tx, [run.id]));
    expect(await db.step.count({ where: { runId: run.id, flagLoop: true } })).toBe(2);
    expect((await db.run.findUniqueOrThrow({ where: { id: run.id } })).flagLoop).toBe(true);
  });

  it("scores LLM outputs with the agent's evaluators once, and sets the run's output score", async () => {
    const agent = await createAgent(db, {
      evaluators: [{ type: "json" }, { type: "noPersonalData" }, { type: "maxLength", max: 40 }, { type: "bogus" }],
    });
    const { run } = await createRun(db, {
      agentId: agent.id,
      steps: [
        { kind: "LLM_CALL", outputMessages: [{ role: "assistant", content: '{"action":"refund"}' }] },
        { kind: "LLM_CALL", outputMessages: [{ role: "assistant", parts: [{ type: "text", content: "Write to jane.doe@example.com, I promise a refund today" }] }] },
        { kind: "TOOL_CALL", tool: "refund", arguments: {} },
      ],
    });
    await db.$transaction((tx) => analyzeRuns(tx, [run.id]));
    await db.$transaction((tx) => analyzeRuns(tx, [run.id])); // idempotent
    const evaluations = await db.evaluation.findMany({ where: { runId: run.id }, include: { step: true } });
    expect(evaluations).toHaveLength(6);
    expect(evaluations.every((e) => e.kind === "OUTPUT" && e.source === "HEURISTIC")).toBe(true);
    const failed = evaluations.filter((e) => !e.passed).map((e) => `${e.step!.name}:${e.name}`).sort();
    expect(failed).toEqual(["step 1:max-length", "step 1:no-personal-data", "step 1:valid-json"]);
    expect((await db.run.findUniqueOrThrow({ where: { id: run.id } })).outputScore).toBeCloseTo(0.5);
  });

  it("leaves runs of agents without evaluators alone, and a person's score wins", async () => {
    const plain = await createAgent(db);
    const { run } = await createRun(db, { agentId: plain.id, steps: [{ kind: "LLM_CALL", outputMessages: "hello" }] });
    await db.$transaction((tx) => analyzeRuns(tx, [run.id]));
    expect(await db.evaluation.count({ where: { runId: run.id } })).toBe(0);

    const judged = await createAgent(db, { evaluators: [{ type: "json" }] });
    const second = await createRun(db, { agentId: judged.id, outputScore: 0.9, steps: [{ kind: "LLM_CALL", outputMessages: "not json" }] });
    await db.evaluation.create({ data: { runId: second.run.id, kind: "OUTPUT", source: "HUMAN", name: "human-score", score: 0.9 } });
    await db.$transaction((tx) => analyzeRuns(tx, [second.run.id]));
    expect((await db.run.findUniqueOrThrow({ where: { id: second.run.id } })).outputScore).toBe(0.9);
  });

  it("brings a stalled run that receives a step back to running, keeping the stall flag", async () => {
    const { run } = await createRun(db, { status: "RUNNING", steps: [{ kind: "OTHER" }] });
    await db.run.update({ where: { id: run.id }, data: { status: "STALLED", flagStall: true, lastStepAt: new Date() } });
    await db.$transaction((tx) => analyzeRuns(tx, [run.id]));
    expect(await db.run.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ status: "RUNNING", flagStall: true });
  });
});

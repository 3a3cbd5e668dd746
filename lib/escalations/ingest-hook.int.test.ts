/**
 * "Approved means exactly this" through ingestion: the tool call that executes
 * a clearance is linked by attribute or by trace and tool; the approved
 * arguments pass, other arguments, a second execution and executing what was
 * rejected flag the escalation and the run (audited); a re-sent span is not a
 * second execution; batches without tool calls of escalated traces do nothing.
 */
import "@/lib/changes/appliers";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { listRunsForApi } from "@/lib/runs/api-queries";
import { countRuns, listRuns } from "@/lib/runs/queries";
import { runFilterSchema } from "@/lib/runs/schemas";
import { randomSpanId, randomTraceId } from "@/tests/factories/otlp";
import { decideEscalation } from "./commands";
import { requestClearance } from "./request";
import { agentInTeam, apiKey, ingest, newPolicy, person, toolCall, unique } from "./test-support";

let compliance: Awaited<ReturnType<typeof person>>;
let asker: Awaited<ReturnType<typeof apiKey>>;

beforeAll(async () => {
  compliance = await person("COMPLIANCE", "binding-compliance");
  asker = await apiKey(["escalations:request"]);
});

async function approved(args: Record<string, unknown>, approvedArgs?: Record<string, unknown>) {
  const { agent, team } = await agentInTeam();
  await newPolicy(compliance, unique("binding"), { team, toolPattern: "erp.pay", argument: "amount", threshold: 1000 });
  const traceId = randomTraceId();
  const escalation = await requestClearance(asker.actor, { traceId, spanId: randomSpanId(), agent, tool: "erp.pay", arguments: args });
  await decideEscalation(compliance, { escalationId: escalation.id, verdict: "approve", comment: "ok", arguments: approvedArgs });
  return { agent, traceId, id: escalation.id };
}

const state = (id: string) => db.escalation.findUniqueOrThrow({ where: { id }, select: { executedDifferently: true, executedDifferentlyReason: true, executionCount: true, executedSpanId: true, runId: true } });
const runFlag = async (traceId: string) => (await db.run.findUniqueOrThrow({ where: { traceId }, select: { flagExecutedDifferently: true } })).flagExecutedDifferently;

describe("approved means exactly this", () => {
  it("passes the approved (changed) arguments in any key order, linking the run", async () => {
    const { agent, traceId, id } = await approved({ amount: 5000, iban: "DE1" }, { amount: 900, iban: "DE1" });
    const call = toolCall(traceId, agent, "erp.pay", { iban: "DE1", amount: 900 });
    await ingest([call]);
    expect(await state(id)).toMatchObject({ executedDifferently: false, executionCount: 1, executedSpanId: call.spanId, runId: expect.any(String) });
    // The same span re-sent is stored once and is not a second execution.
    await ingest([call]);
    expect(await state(id)).toMatchObject({ executedDifferently: false, executionCount: 1 });
    expect(await runFlag(traceId)).toBe(false);
    expect((await listRuns(runFilterSchema.parse({ agent, flag: ["executedDifferently"] }))).runs).toEqual([]);
  });

  it("flags the escalation and the run when the call uses the requested amount instead of the approved one", async () => {
    const { agent, traceId, id } = await approved({ amount: 5000 }, { amount: 900 });
    await ingest([toolCall(traceId, agent, "erp.pay", { amount: 5000 })]);
    expect(await state(id)).toMatchObject({ executedDifferently: true, executedDifferentlyReason: "executed with other arguments than approved" });
    expect(await runFlag(traceId)).toBe(true);
    expect(await db.auditEvent.findFirst({ where: { action: "escalation.execution_mismatch", targetId: id } })).toMatchObject({ actorType: "SYSTEM" });
    // The runs list filters and counts it; the API answers it in the run's flags.
    const filter = runFilterSchema.parse({ agent, flag: ["executedDifferently"] });
    const { runs } = await listRuns(filter);
    expect(runs.map((r) => r.traceId)).toEqual([traceId]);
    expect(runs[0]!.flags.executedDifferently).toBe(true);
    expect((await countRuns(filter)).flags.executedDifferently).toBe(1);
    const { data } = await listRunsForApi({ traceId, limit: 1 });
    expect(data[0]!.flags).toMatchObject({ executedDifferently: true });
  });

  it("flags a second execution of one clearance, in one batch or two", async () => {
    const { agent, traceId, id } = await approved({ amount: 5000 });
    const t = Date.now();
    await ingest([toolCall(traceId, agent, "erp.pay", { amount: 5000 }, { startedAt: new Date(t) }), toolCall(traceId, agent, "erp.pay", { amount: 5000 }, { startedAt: new Date(t + 10) })]);
    expect(await state(id)).toMatchObject({ executedDifferently: true, executedDifferentlyReason: "executed a second time", executionCount: 2 });
  });

  it("links by the flightdeck.escalation.id attribute across traces, and flags executing a rejected request", async () => {
    const { agent, team } = await agentInTeam();
    await newPolicy(compliance, unique("binding"), { team, toolPattern: "erp.pay" });
    const escalation = await requestClearance(asker.actor, { agent, tool: "erp.pay", arguments: { amount: 1 } });
    await decideEscalation(compliance, { escalationId: escalation.id, verdict: "reject", comment: "no" });
    const traceId = randomTraceId();
    await ingest([toolCall(traceId, agent, "erp.pay", { amount: 1 }, { attributes: { "flightdeck.escalation.id": escalation.id } })]);
    expect(await state(escalation.id)).toMatchObject({ executedDifferently: true, executedDifferentlyReason: "executed although it was rejected" });
  });

  it("leaves calls of other tools and traces alone", async () => {
    const { agent, traceId, id } = await approved({ amount: 5000 });
    await ingest([toolCall(traceId, agent, "mail.send", { to: "x" }), toolCall(randomTraceId(), agent, "erp.pay", { amount: 7 })]);
    expect(await state(id)).toMatchObject({ executedDifferently: false, executionCount: 0 });
  });
});

import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { db } from "@/lib/db";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { sweepStalledRuns } from "./stalls";
import { createAgent, createRun } from "@/tests/factories/runs";

const url = inject("databaseUrl");
const instances = Array.from({ length: 3 }, () => new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 2 }) }));
afterAll(() => Promise.all(instances.map((c) => c.$disconnect())));

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

describe("stall sweep", () => {
  it("stalls running runs quiet past their agent's threshold, once, with several instances sweeping", async () => {
    const quick = await createAgent(db, { stallThresholdMinutes: 2 });
    const slow = await createAgent(db, { stallThresholdMinutes: 60 });
    const quiet = await createRun(db, { agentId: quick.id, status: "RUNNING", startedAt: minutesAgo(5), steps: [{ kind: "OTHER" }] });
    const patient = await createRun(db, { agentId: slow.id, status: "RUNNING", startedAt: minutesAgo(30), steps: [{ kind: "OTHER" }] });
    const noAgent = await createRun(db, { status: "RUNNING", startedAt: minutesAgo(11), steps: [{ kind: "OTHER" }] });
    const fresh = await createRun(db, { status: "RUNNING", startedAt: minutesAgo(1), steps: [{ kind: "OTHER" }] });
    const done = await createRun(db, { status: "SUCCEEDED", startedAt: minutesAgo(120), steps: [{ kind: "OTHER" }] });
    const auditBefore = await db.auditEvent.count({ where: { action: "run.stall" } });

    const results = await Promise.all(instances.map((c) => sweepStalledRuns(c)));
    const stalled = results.flat();
    // Other files' running runs may stall too; ours must be exactly these two.
    const mine = new Set([quiet, patient, noAgent, fresh, done].map((r) => r.run.id));
    expect(stalled.filter((id) => mine.has(id)).sort()).toEqual([quiet.run.id, noAgent.run.id].sort());
    // Each run changed by exactly one instance.
    expect(new Set(stalled).size).toBe(stalled.length);

    const status = async (id: string) => (await db.run.findUniqueOrThrow({ where: { id } })).status;
    expect(await status(quiet.run.id)).toBe("STALLED");
    expect(await status(noAgent.run.id)).toBe("STALLED");
    expect(await status(patient.run.id)).toBe("RUNNING");
    expect(await status(fresh.run.id)).toBe("RUNNING");
    expect(await status(done.run.id)).toBe("SUCCEEDED");
    expect((await db.run.findUniqueOrThrow({ where: { id: quiet.run.id } })).flagStall).toBe(true);
    expect(await db.auditEvent.count({ where: { action: "run.stall" } })).toBe(auditBefore + results.filter((r) => r.length > 0).length);

    // A second sweep changes none of ours again (other files' runs may stall meanwhile).
    expect((await sweepStalledRuns(db)).filter((id) => mine.has(id))).toEqual([]);
  });
});

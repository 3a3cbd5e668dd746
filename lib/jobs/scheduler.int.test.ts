import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, describe, expect, inject, it, vi } from "vitest";
import { db } from "@/lib/db";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { createRun, hex } from "@/tests/factories/runs";
import { runJobOnRequest } from "./commands";
import { defineJob, type JobDefinition } from "./define";
import { listJobStatuses } from "./queries";
import { createJobRunner, runJobNow, startJobs, stopJobs, type TickResult } from "./scheduler";

// Three app instances: each its own Prisma client (pool) and its own lock connections, as separate processes would have.
const url = inject("databaseUrl");
const clients = Array.from({ length: 3 }, () => new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 2 }) }));
const instances = clients.map((client) => createJobRunner({ db: client, connectionString: url }));
const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];

afterAll(async () => {
  await stopJobs();
  await Promise.all(instances.map((i) => i.close()));
  await Promise.all(clients.map((c) => c.$disconnect()));
});

const jobName = (label: string) => `test_${label}_${hex(4)}`;

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A job whose body signals when it starts and then waits for the test to let it finish. */
function gatedJob(intervalMs = 60_000) {
  const entered = deferred();
  const gate = deferred();
  let calls = 0;
  const job = defineJob({
    name: jobName("gated"),
    description: "test",
    intervalMs,
    run: async () => {
      calls += 1;
      entered.resolve();
      await gate.promise;
      return { calls };
    },
  });
  return { job, entered: entered.promise, finish: gate.resolve, calls: () => calls };
}

const stateOf = (name: string) => db.jobState.findUnique({ where: { name } });

describe("job scheduler", () => {
  it("runs the body once when several instances tick the same job at the same moment", async () => {
    const { job, entered, finish, calls } = gatedJob();
    let settled = 0;
    const ticks = instances.map((instance) => instance.tick(job).finally(() => (settled += 1)));
    await entered;
    // While one instance is inside the body (holding the lock), the others' ticks end: skipped, not waiting.
    await vi.waitFor(() => expect(settled).toBe(instances.length - 1), { timeout: 5_000, interval: 20 });
    expect(calls()).toBe(1);
    finish();
    const results = await Promise.all(ticks);

    expect(calls()).toBe(1);
    expect(results.filter((r) => r.status === "succeeded")).toHaveLength(1);
    expect(results.filter((r) => r.status === "skipped")).toHaveLength(instances.length - 1);
    // And within the interval, whichever instance ticks next: not due.
    for (const instance of instances) expect(await instance.tick(job)).toMatchObject({ status: "skipped", reason: "not_due" });
    expect(calls()).toBe(1);
    expect(await stateOf(job.name)).toMatchObject({ runs: 1, failures: 0 });
  });

  it("skips an instance while another holds the job's lock, even when forced, and lets it run once released", async () => {
    const { job, entered, finish, calls } = gatedJob();
    const first = a.tick(job, { force: true });
    await entered;
    expect(await b.tick(job, { force: true })).toEqual({ status: "skipped", reason: "locked" });
    finish();
    expect(await first).toMatchObject({ status: "succeeded" });
    expect(await b.tick(job, { force: true })).toMatchObject({ status: "succeeded" });
    expect(calls()).toBe(2);
  });

  it("runs again once an interval has passed since the last start, on any instance", async () => {
    let calls = 0;
    const job = defineJob({ name: jobName("cadence"), description: "test", intervalMs: 60_000, run: async () => ({ calls: ++calls }) });
    const t0 = new Date("2026-03-01T12:00:00Z");
    expect((await a.tick(job, { now: t0 })).status).toBe("succeeded");
    expect(await b.tick(job, { now: new Date(t0.getTime() + 30_000) })).toEqual({ status: "skipped", reason: "not_due", dueAt: new Date(t0.getTime() + 55_000) });
    expect((await b.tick(job, { now: new Date(t0.getTime() + 60_000) })).status).toBe("succeeded");
    expect(calls).toBe(2);
  });

  it("records a failure (message only) without throwing, and a later success clears the error shown but keeps the counts", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    let failing = true;
    const job = defineJob({
      name: jobName("flaky"),
      description: "test",
      intervalMs: 60_000,
      run: async () => {
        if (failing) throw new Error("upstream answered 503\nService Unavailable");
        return { delivered: 4 };
      },
    });
    const t0 = new Date("2026-03-01T12:00:00Z");
    const failed = await a.tick(job, { now: t0 });
    expect(failed).toMatchObject({ status: "failed", error: "upstream answered 503 Service Unavailable" });
    const afterFailure = await stateOf(job.name);
    expect(afterFailure).toMatchObject({ runs: 1, failures: 1, lastError: "upstream answered 503 Service Unavailable", lastSummary: null });
    expect(afterFailure!.lastError).not.toContain(" at ");
    expect(afterFailure!.lastErrorAt).toEqual(afterFailure!.lastFinishedAt);
    let [status] = await listJobStatuses({ jobs: [job] });
    expect(status!.lastRun).toMatchObject({ outcome: "failed", error: "upstream answered 503 Service Unavailable" });
    expect(status).toMatchObject({ runs: 1, failures: 1 });

    failing = false;
    expect(await a.tick(job, { now: new Date(t0.getTime() + 61_000) })).toMatchObject({ status: "succeeded", summary: { delivered: 4 } });
    [status] = await listJobStatuses({ jobs: [job] });
    expect(status!.lastRun).toMatchObject({ outcome: "succeeded", error: null, summary: { delivered: 4 } });
    expect(status).toMatchObject({ runs: 2, failures: 1, lastFailureAt: afterFailure!.lastErrorAt });
    expect(logged).toHaveBeenCalled();
    logged.mockRestore();
  });

  it("records the start, the duration and the summary", async () => {
    const job = defineJob({
      name: jobName("timed"),
      description: "test",
      intervalMs: 60_000,
      run: async () => {
        await new Promise((r) => setTimeout(r, 60));
        return { processed: 3, note: "fine", partial: false };
      },
    });
    const now = new Date("2026-03-01T12:00:00Z");
    const result = await b.tick(job, { now });
    const row = await stateOf(job.name);
    expect(row).toMatchObject({ lastStartedAt: now, runs: 1, failures: 0, lastError: null, lastSummary: { processed: 3, note: "fine", partial: false } });
    expect(row!.lastDurationMs).toBeGreaterThanOrEqual(50);
    expect(row!.lastDurationMs).toBe((result as Extract<TickResult, { status: "succeeded" }>).durationMs);
    expect(row!.lastFinishedAt!.getTime() - now.getTime()).toBe(row!.lastDurationMs);
  });

  it("lists never-run jobs as such", async () => {
    const job = defineJob({ name: jobName("idle"), description: "never ticked", intervalMs: 60_000, run: async () => undefined });
    expect(await listJobStatuses({ jobs: [job] })).toEqual([
      { name: job.name, description: "never ticked", intervalMs: 60_000, lastRun: null, runs: 0, failures: 0, lastFailureAt: null },
    ]);
  });

  it("the stall sweep job marks a run with no step past its threshold as stalled", async () => {
    const quiet = await createRun(db, { status: "RUNNING", startedAt: new Date(Date.now() - 30 * 60_000), steps: [{ kind: "OTHER" }] });
    const result = await runJobNow("stall_sweep");
    expect(result.status).toBe("succeeded");
    expect((result as Extract<TickResult, { status: "succeeded" }>).summary?.stalled).toBeGreaterThanOrEqual(1);
    expect(await db.run.findUniqueOrThrow({ where: { id: quiet.run.id } })).toMatchObject({ status: "STALLED", flagStall: true });
    const [status] = await listJobStatuses({ jobs: [{ name: "stall_sweep", description: "", intervalMs: 60_000, run: async () => undefined }] });
    expect(status!.lastRun?.outcome).toBe("succeeded");
  });

  it("Run now is audited as job.run, for admins only, and only for registered jobs", async () => {
    const admin = await db.user.create({ data: { email: `jobs-admin-${hex(4)}@example.com`, role: "ADMIN" } });
    const viewer = await db.user.create({ data: { email: `jobs-viewer-${hex(4)}@example.com`, role: "VIEWER" } });
    const { job, result } = await runJobOnRequest({ type: "USER", id: admin.id, label: admin.email }, "stall_sweep");
    expect(job.name).toBe("stall_sweep");
    expect(result.status).toBe("succeeded");
    const event = await db.auditEvent.findFirst({ where: { action: "job.run", actorId: admin.id } });
    expect(event).toMatchObject({ targetType: "job", targetId: "stall_sweep", actorType: "USER" });

    await expect(runJobOnRequest({ type: "USER", id: viewer.id, label: viewer.email }, "stall_sweep")).rejects.toMatchObject({ code: "forbidden:admin" });
    await expect(runJobOnRequest({ type: "USER", id: admin.id, label: admin.email }, "no_such_job")).rejects.toMatchObject({ code: "not_found:job" });
    expect(await db.auditEvent.count({ where: { action: "job.run", actorId: { in: [admin.id, viewer.id] } } })).toBe(1);
  });

  it("starts one timer per job once per process, and stops them", async () => {
    let calls = 0;
    const fast: JobDefinition = defineJob({ name: jobName("fast"), description: "test", intervalMs: 200, run: async () => ({ calls: ++calls }) });
    const ignored = vi.fn(async () => undefined);
    startJobs([fast], { initialDelayMs: 0 });
    // A second start (a hot reload) keeps the running scheduler: this job is never scheduled.
    startJobs([defineJob({ name: jobName("ignored"), description: "test", intervalMs: 200, run: ignored })], { initialDelayMs: 0 });
    await vi.waitFor(() => expect(calls).toBeGreaterThanOrEqual(2), { timeout: 5_000, interval: 50 });
    await stopJobs();
    const atStop = calls;
    expect((await stateOf(fast.name))?.runs).toBe(atStop);
    // Nothing ticks after the stop (three intervals later).
    await new Promise((r) => setTimeout(r, 600));
    expect(calls).toBe(atStop);
    expect(ignored).not.toHaveBeenCalled();
  });
});

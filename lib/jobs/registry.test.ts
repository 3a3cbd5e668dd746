import { describe, expect, it } from "vitest";
import { jobLockKey } from "./policy";
import { findJob, JOBS } from "./registry";

describe("job registry", () => {
  it("lists each job once, with distinct lock keys and a sane interval", () => {
    const names = JOBS.map((job) => job.name);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(names.map(jobLockKey)).size).toBe(names.length);
    for (const job of JOBS) {
      expect(job.intervalMs).toBeGreaterThanOrEqual(1_000);
      expect(job.description.length).toBeGreaterThan(0);
    }
  });
  it("has the stall sweep", () => {
    expect(findJob("stall_sweep")?.intervalMs).toBe(60_000);
    expect(findJob("nope")).toBeUndefined();
  });
  it("has the prompt log's indexing, every 10 s", () => {
    expect(findJob("prompt_log_index")?.intervalMs).toBe(10_000);
  });
});

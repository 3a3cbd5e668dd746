/** The indexing job's pure rules: where the next tick starts, and what the page says while it lags. */
import { describe, expect, it } from "vitest";
import { INGEST_TRANSACTION } from "@/lib/telemetry/pipeline";
import { compareKeys, describeIndexLag, INDEX_INTERVAL_MS, LATE_COMMIT_MS, nextSafeKey, ORIGIN } from "./indexer";

const at = (iso: string, id = "c1") => ({ createdAt: new Date(iso), id });

describe("nextSafeKey", () => {
  it("outlasts every ingestion transaction", () => {
    expect(LATE_COMMIT_MS).toBeGreaterThan(INGEST_TRANSACTION.timeout);
  });

  it("is where the tick got to while that is older than the late-commit horizon (catching up)", () => {
    const reached = at("2026-12-01T10:00:00.000Z", "cz");
    expect(nextSafeKey(reached, new Date("2026-12-01T11:00:00.000Z"))).toBe(reached);
  });

  it("stays LATE_COMMIT_MS behind the tick's start otherwise, before any call of that instant", () => {
    const start = new Date("2026-12-01T11:00:00.000Z");
    expect(nextSafeKey(at("2026-12-01T10:59:59.000Z"), start)).toEqual({ createdAt: new Date(start.getTime() - LATE_COMMIT_MS), id: "" });
  });

  it("starts a job that never ran before every call", () => {
    expect(nextSafeKey(ORIGIN, new Date())).toBe(ORIGIN);
  });

  it("orders by createdAt, then id", () => {
    expect(compareKeys(at("2026-12-01T10:00:00.000Z", "b"), at("2026-12-01T10:00:00.000Z", "a"))).toBeGreaterThan(0);
    expect(compareKeys(at("2026-12-01T10:00:00.000Z", "z"), at("2026-12-01T10:00:00.001Z", "a"))).toBeLessThan(0);
    expect(compareKeys(at("2026-12-01T10:00:00.000Z"), at("2026-12-01T10:00:00.000Z"))).toBe(0);
  });
});

describe("describeIndexLag", () => {
  const lag = (calls: number, waitingMs: number | null, more = false) => ({ calls, waitingMs, more });

  it("says nothing when no call passing the filters waits", () => {
    expect(describeIndexLag(lag(0, null), { searching: true })).toBeNull();
  });

  it("counts the calls and says since when, in words", () => {
    expect(describeIndexLag(lag(1, 4_000), { searching: true })).toBe(
      `1 LLM call from the last minute is not searchable here yet: new calls are indexed every ${INDEX_INTERVAL_MS / 1000} seconds.`,
    );
    expect(describeIndexLag(lag(1234, 5 * 60_000 + 1), { searching: false })).toBe(
      "1,234 LLM calls from the last 6 minutes are not listed here yet: new calls are indexed every 10 seconds.",
    );
    expect(describeIndexLag(lag(2, 3 * 3_600_000), { searching: true })).toContain("from the last 3 hours");
    expect(describeIndexLag(lag(2, 3 * 86_400_000), { searching: true })).toContain("from the last 3 days");
  });

  it("past the cap, says more than it and that indexing is catching up", () => {
    expect(describeIndexLag(lag(10_000, 7_200_000, true), { searching: true })).toBe(
      "More than 10,000 LLM calls from the last 2 hours are not searchable here yet: indexing is catching up.",
    );
  });
});

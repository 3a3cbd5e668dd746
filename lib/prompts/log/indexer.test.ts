/** The indexing job's pure rules: where the next tick starts, and what the page says while it lags. */
import { describe, expect, it } from "vitest";
import { INGEST_TRANSACTION } from "@/lib/telemetry/pipeline";
import { compareKeys, describeIndexLag, INDEX_INTERVAL_MS, LATE_COMMIT_MS, nextSafeKey, ORIGIN, type TickClock } from "./indexer";

const at = (iso: string, id = "c1") => ({ createdAt: new Date(iso), id });

describe("nextSafeKey", () => {
  const now = new Date("2026-12-01T11:00:00.000Z");
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const clock = (over: Partial<TickClock> = {}): TickClock => ({ now, oldestOpen: null, hidden: false, ...over });

  it("outlasts every ingestion transaction", () => {
    expect(LATE_COMMIT_MS).toBeGreaterThan(INGEST_TRANSACTION.timeout);
  });

  it("is where the tick got to while that is older than any open transaction (catching up)", () => {
    const reached = at("2026-12-01T10:00:00.000Z", "cz");
    expect(nextSafeKey(reached, clock({ oldestOpen: ago(30_000) }))).toBe(reached);
  });

  it("stays before the oldest open transaction's start, so its calls are read when it commits", () => {
    expect(nextSafeKey(at("2026-12-01T10:59:59.900Z"), clock({ oldestOpen: ago(20_000) }))).toEqual({ createdAt: ago(21_000), id: "" });
  });

  it("with no transaction open, keeps only a second of slack", () => {
    expect(nextSafeKey(at("2026-12-01T10:59:59.900Z"), clock())).toEqual({ createdAt: ago(1_000), id: "" });
  });

  it("keeps the whole LATE_COMMIT_MS when some sessions cannot be seen", () => {
    expect(nextSafeKey(at("2026-12-01T10:59:59.900Z"), clock({ hidden: true }))).toEqual({ createdAt: ago(LATE_COMMIT_MS), id: "" });
  });

  it("never waits on a transaction older than LATE_COMMIT_MS (a report, an idle session: no ingestion lasts that long)", () => {
    expect(nextSafeKey(at("2026-12-01T10:59:59.900Z"), clock({ oldestOpen: ago(3_600_000) }))).toEqual({ createdAt: ago(LATE_COMMIT_MS), id: "" });
  });

  it("starts a job that never ran before every call", () => {
    expect(nextSafeKey(ORIGIN, clock())).toBe(ORIGIN);
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

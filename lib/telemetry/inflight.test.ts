import { describe, expect, it } from "vitest";
import { InflightBudget, InflightFull, withIngestInflight } from "./inflight";

const MB = 1024 * 1024;

function upload(bytes: number, { declare = true } = {}): Request {
  const chunk = new Uint8Array(64 * 1024);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const n = Math.min(chunk.byteLength, bytes - sent);
      sent += n;
      controller.enqueue(chunk.subarray(0, n));
    },
  });
  const headers: Record<string, string> = declare ? { "content-length": String(bytes) } : {};
  return new Request("http://localhost/ingest", { method: "POST", headers, body, duplex: "half" } as RequestInit);
}

async function drain(request: Request): Promise<number> {
  let size = 0;
  const reader = request.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return size;
    size += value.byteLength;
  }
}

describe("InflightBudget", () => {
  it("lets a request alone through whatever its size, and refuses one that does not fit beside others", () => {
    const budget = new InflightBudget(10);
    const a = budget.lease();
    a.atLeast(25);
    expect(budget.inUse).toBe(25);
    expect(() => budget.lease().atLeast(1)).toThrow(InflightFull);
    a.release();
    a.release(); // idempotent
    expect(budget.inUse).toBe(0);
    const b = budget.lease();
    b.atLeast(6);
    b.atLeast(4); // never shrinks
    expect(b.bytes).toBe(6);
    const c = budget.lease();
    c.atLeast(4);
    expect(() => c.atLeast(5)).toThrow(/INGEST_MAX_INFLIGHT_BYTES/);
    expect(budget.inUse).toBe(10);
  });
});

describe("withIngestInflight", () => {
  it("holds the declared length while the handler runs and answers 429 with Retry-After once full", async () => {
    const budget = new InflightBudget(40 * MB);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const held = [0, 1].map(() =>
      withIngestInflight(upload(16 * MB), async (request) => {
        await drain(request);
        await gate;
        return new Response("ok");
      }, budget, 16 * MB),
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(budget.inUse).toBe(32 * MB);
    let handled = false;
    const refused = await withIngestInflight(upload(16 * MB), async () => ((handled = true), new Response("ok")), budget, 16 * MB);
    expect(handled).toBe(false);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("2");
    expect(await refused.json()).toEqual({ error: { code: "rate_limited:ingest_inflight", message: expect.stringContaining("INGEST_MAX_INFLIGHT_BYTES") } });
    release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    expect(budget.inUse).toBe(0);
  });

  it("counts an undeclared body as it streams in, and stops reading it when the budget is full", async () => {
    const budget = new InflightBudget(20 * MB);
    const other = budget.lease();
    other.atLeast(15 * MB);
    let read = 0;
    const res = await withIngestInflight(upload(16 * MB, { declare: false }), async (request) => {
      const reader = request.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        read += value.byteLength;
      }
      return new Response("ok");
    }, budget, 16 * MB);
    expect(res.status).toBe(429);
    expect(read).toBeLessThanOrEqual(5 * MB);
    expect(budget.inUse).toBe(15 * MB);
    other.release();
  });

  it("leaves a body declared over INGEST_MAX_BODY_BYTES to the reader's 413, and releases on errors", async () => {
    const budget = new InflightBudget(MB);
    const busy = budget.lease();
    busy.atLeast(MB);
    const tooLarge = withIngestInflight(upload(2 * MB), async () => {
      throw new Error("413 from the reader");
    }, budget, MB);
    await expect(tooLarge).rejects.toThrow("413 from the reader");
    busy.release();
    await expect(withIngestInflight(upload(1000), async () => { throw new Error("boom"); }, budget, MB)).rejects.toThrow("boom");
    expect(budget.inUse).toBe(0);
  });
});

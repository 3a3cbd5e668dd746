import type { ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClearanceExpiredError, ClearanceRejectedError, ClearanceTimeoutError, createFlightdeck, type Flightdeck } from "./index.js";
import { json, startFakeServer, type FakeRequest, type FakeServer } from "./test-support/fake-server.js";
import { recordingSpan, withSpan } from "./test-support/spans.js";

const ID = "cesc000000000000000000001";
const ONE = `/api/v1/escalations/${ID}`;
const args = { amount: 12_500, currency: "EUR", invoice: "2026-114" };
const escalation = (status: string, extra: Record<string, unknown> = {}) => ({
  id: ID,
  status,
  comment: null,
  expiresAt: null,
  arguments: args,
  approvedArguments: null,
  argumentsChanged: false,
  decisions: [],
  ...extra,
});

let server: FakeServer;
let fd: Flightdeck;
/** Long-polls the fake holds until `decide` is called. */
let waiting: { req: FakeRequest; res: ServerResponse }[] = [];

function decide(body: unknown) {
  for (const w of waiting.splice(0)) json(w.res, 200, body);
}

beforeEach(async () => {
  server = await startFakeServer();
  fd = createFlightdeck({ baseUrl: server.url, apiKey: "fd_test", agent: "payer", retries: 2, timeoutMs: 1_000 });
  waiting = [];
  server.on("POST", "/api/v1/escalations", (_req, res) => json(res, 201, escalation("pending", { expiresAt: new Date(Date.now() + 3_600_000).toISOString() })));
  server.on("GET", ONE, (req, res) => {
    waiting.push({ req, res });
  });
  server.on("DELETE", ONE, (_req, res) => json(res, 200, escalation("cancelled")));
});
afterEach(async () => {
  await fd.close();
  await server.close();
});

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe("requireClearance", () => {
  it("resolves to the approved arguments a person changed, and links the current span to the escalation", async () => {
    const span = recordingSpan();
    const cleared = withSpan(span, () => fd.requireClearance({ tool: "erp.pay_invoice", arguments: args, reason: "due today", confidence: 0.8 }));
    await until(() => waiting.length === 1);
    expect(waiting[0]!.req.query.get("waitSeconds")).toBe("55");
    decide(escalation("approved", { approvedArguments: { ...args, amount: 9_000 }, argumentsChanged: true, comment: "pay 9k" }));
    await expect(cleared).resolves.toEqual({ ...args, amount: 9_000 });
    const asked = server.requests.find((r) => r.method === "POST")!;
    expect(asked.body).toEqual({ agent: "payer", tool: "erp.pay_invoice", arguments: args, reason: "due today", confidence: 0.8, traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" });
    expect(span.attributes).toMatchObject({ "flightdeck.escalation.id": ID, "flightdeck.escalation.status": "approved" });
  });

  it("resolves at once when no policy applies (cleared)", async () => {
    server.on("POST", "/api/v1/escalations", (_req, res) => json(res, 201, escalation("cleared", { approvedArguments: args })));
    await expect(fd.requireClearance({ tool: "erp.pay_invoice", arguments: args })).resolves.toEqual(args);
    expect(server.count("GET", ONE)).toBe(0);
  });

  it("asks again in rounds while it stays pending", async () => {
    let rounds = 0;
    server.on("GET", ONE, (_req, res) => json(res, 200, ++rounds < 3 ? escalation("pending") : escalation("approved", { approvedArguments: args })));
    await expect(fd.requireClearance({ tool: "erp.pay_invoice", arguments: args })).resolves.toEqual(args);
    expect(rounds).toBe(3);
  });

  it("rejects with ClearanceRejectedError carrying the comment", async () => {
    const cleared = fd.requireClearance({ tool: "erp.pay_invoice", arguments: args });
    await until(() => waiting.length === 1);
    decide(escalation("rejected", { comment: "Duplicate invoice." }));
    const error = await cleared.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClearanceRejectedError);
    expect(error).toMatchObject({ escalationId: ID, comment: "Duplicate invoice." });
  });

  it("rejects with ClearanceExpiredError when the console's deadline passed or it was cancelled", async () => {
    for (const status of ["expired", "cancelled"] as const) {
      const cleared = fd.requireClearance({ tool: "erp.pay_invoice", arguments: args });
      await until(() => waiting.length === 1);
      decide(escalation(status, { comment: "No decision within 60 minutes." }));
      await expect(cleared).rejects.toSatisfy((e: unknown) => e instanceof ClearanceExpiredError && e.status === status);
    }
  });

  it("at the agent's deadline cancels the request (DELETE) and throws ClearanceTimeoutError", async () => {
    server.on("GET", ONE, (_req, res) => json(res, 200, escalation("pending")));
    const started = Date.now();
    const error = await fd.requireClearance({ tool: "erp.pay_invoice", arguments: args, deadline: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClearanceTimeoutError);
    expect(error).toMatchObject({ escalationId: ID, cancelled: true });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(server.count("DELETE", ONE)).toBe(1);
    // The last rounds ask for no longer than what is left.
    expect(server.requests.filter((r) => r.path === ONE && r.method === "GET").every((r) => r.query.get("waitSeconds") === "0")).toBe(true);
  });

  it("takes a decision that came at the deadline: the cancel answers 409 and the approval stands", async () => {
    let decided = false;
    server.on("GET", ONE, (_req, res) => json(res, 200, decided ? escalation("approved", { approvedArguments: args }) : escalation("pending")));
    server.on("DELETE", ONE, (_req, res) => {
      decided = true;
      json(res, 409, { error: { code: "conflict:escalation_decided", message: "It was decided already." } });
    });
    await expect(fd.requireClearance({ tool: "erp.pay_invoice", arguments: args, deadline: 200 })).resolves.toEqual(args);
  });

  it("keeps waiting through an outage of the console, and takes the decision when it is back", async () => {
    let calls = 0;
    server.on("GET", ONE, (req, res) => {
      calls++;
      if (calls === 1) return void res.socket?.destroy(); // connection dropped
      if (calls <= 3) return json(res, 503, { error: { code: "unavailable", message: "restarting" } });
      json(res, 200, escalation("approved", { approvedArguments: args }));
    });
    await expect(fd.requireClearance({ tool: "erp.pay_invoice", arguments: args, deadline: 20_000 })).resolves.toEqual(args);
    expect(calls).toBe(4);
  });

  it("never fails open: an outage that outlasts the deadline throws ClearanceTimeoutError", async () => {
    server.on("GET", ONE, (_req, res) => json(res, 503, { error: { code: "unavailable", message: "down" } }));
    server.on("DELETE", ONE, (_req, res) => json(res, 503, { error: { code: "unavailable", message: "down" } }));
    const error = await fd.requireClearance({ tool: "erp.pay_invoice", arguments: args, deadline: 800 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClearanceTimeoutError);
    expect(error).toMatchObject({ cancelled: false });
  });

  it("retries the request itself when it carries a span (the server deduplicates it), and only then", async () => {
    let posts = 0;
    server.on("POST", "/api/v1/escalations", (_req, res) => (++posts === 1 ? json(res, 502, {}) : json(res, 201, escalation("cleared", { approvedArguments: args }))));
    await expect(withSpan(recordingSpan(), () => fd.requireClearance({ tool: "t", arguments: args }))).resolves.toEqual(args);
    expect(posts).toBe(2);
    posts = 0;
    await expect(fd.requireClearance({ tool: "t", arguments: args })).rejects.toMatchObject({ name: "FlightdeckApiError", status: 502 });
    expect(posts).toBe(1);
  });

  it("an abort cancels the request and rejects with the abort reason", async () => {
    const controller = new AbortController();
    const cleared = fd.requireClearance({ tool: "erp.pay_invoice", arguments: args, signal: controller.signal });
    await until(() => waiting.length === 1);
    controller.abort(new Error("run cancelled"));
    await expect(cleared).rejects.toThrow("run cancelled");
    await until(() => server.count("DELETE", ONE) === 1);
  });
});

describe("withClearance", () => {
  it("runs the tool only after approval, with the approved arguments, and records them on the span", async () => {
    const ran: unknown[] = [];
    const tool = {
      description: "Pay an invoice",
      execute: async (input: { amount: number; currency: string; invoice: string }, options: { toolCallId: string }) => {
        ran.push([input, options.toolCallId]);
        return `paid ${input.amount}`;
      },
    };
    const guarded = fd.withClearance(tool, { name: "erp.pay_invoice", reason: (a) => `pay invoice ${String(a.invoice)}` });
    expect(guarded.description).toBe("Pay an invoice");
    const span = recordingSpan();
    const result = withSpan(span, () => guarded.execute(args, { toolCallId: "call-1" }));
    await until(() => waiting.length === 1);
    expect(ran).toEqual([]);
    decide(escalation("approved", { approvedArguments: { ...args, amount: 9_000 } }));
    await expect(result).resolves.toBe("paid 9000");
    expect(ran).toEqual([[{ ...args, amount: 9_000 }, "call-1"]]);
    expect((server.requests.find((r) => r.method === "POST")!.body as { reason: string }).reason).toBe("pay invoice 2026-114");
    expect(JSON.parse(span.attributes["gen_ai.tool.call.arguments"] as string)).toEqual({ ...args, amount: 9_000 });
  });

  it("never runs the tool when the clearance is rejected", async () => {
    let ran = false;
    const guarded = fd.withClearance({ execute: async (_input: { amount: number }) => (ran = true) }, { name: "erp.pay_invoice" });
    const result = guarded.execute({ amount: 1 });
    await until(() => waiting.length === 1);
    decide(escalation("rejected", { comment: "no" }));
    await expect(result).rejects.toBeInstanceOf(ClearanceRejectedError);
    expect(ran).toBe(false);
  });
});

/**
 * Outbound webhooks against a real PostgreSQL and a real HTTP receiver on
 * 127.0.0.1: queued with the causing transaction, retried with backoff, signed,
 * never lost when a sender dies after claiming, never sent twice by two
 * instances at once.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { Actor } from "@/lib/audit";
import { execute } from "@/lib/commands";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { createWebhookEndpoint, deleteWebhookEndpoint, sendWebhookTestEvent, updateWebhookEndpoint } from "./commands";
import { CLAIM_LEASE_MS, claimDueDeliveries, deliverDueWebhooks, MAX_ATTEMPTS, recordResult, USER_AGENT } from "./delivery";
import { emitEvent, mrkdwn, type EmitEventInput, type WebhookEventType } from "./events";
import { createWebhookEndpointSchema } from "./schemas";
import { verifySignature } from "./signing";

const url = inject("databaseUrl");
/** Stand-ins for other app instances, each with a pool of its own. */
const instances = Array.from({ length: 3 }, () => new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 3 }) }));
const unique = () => Math.random().toString(36).slice(2, 10);

beforeAll(async () => {
  // Connected up front, so the concurrency test measures claims, not pool start-up.
  await Promise.all(instances.map((i) => i.$queryRaw`SELECT 1`));
});

afterAll(async () => {
  await Promise.all(instances.map((i) => i.$disconnect()));
});

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A receiver answering each request with `statusFor(n)` (n from 1), optionally after a delay. */
async function startReceiver(statusFor: (n: number) => number, delayMs = 0) {
  const requests: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const status = statusFor(requests.length);
      setTimeout(() => {
        res.writeHead(status, status === 302 ? { Location: "http://127.0.0.1:1/elsewhere" } : { "Content-Type": "text/plain" });
        res.end(status >= 400 ? "receiver is having a bad day" : "ok");
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/flightdeck`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function adminActor(): Promise<Actor> {
  const user = await db.user.create({ data: { email: `webhooks-${unique()}@example.com`, role: "ADMIN" } });
  return { type: "USER", id: user.id, label: user.email };
}

async function addEndpoint(actor: Actor, input: { name?: string; url: string; eventTypes?: string[] }) {
  const parsed = createWebhookEndpointSchema.parse({ name: input.name ?? `endpoint-${unique()}`, url: input.url, eventTypes: input.eventTypes ?? [] });
  return execute(createWebhookEndpoint, actor, parsed);
}

function emit(type: WebhookEventType, data: Record<string, unknown> = {}, extra: Partial<EmitEventInput> = {}) {
  return db.$transaction((tx) => emitEvent(tx, { type, data, text: mrkdwn`Event ${type} for ${"<team>"}`, ...extra }));
}

const deliveriesOf = (eventId: string) => db.webhookDelivery.findMany({ where: { eventId }, orderBy: { createdAt: "asc" } });
const later = (date: Date, ms: number) => new Date(date.getTime() + ms);

beforeEach(async () => {
  // Every enabled endpoint receives every emitted event: each test starts with none.
  await db.webhookEndpoint.deleteMany();
});

describe("webhook delivery", () => {
  it("retries a 500 with backoff, then delivers; the receiver verifies the signature and reads the envelope", async () => {
    const receiver = await startReceiver((n) => (n === 1 ? 500 : 200));
    try {
      const admin = await adminActor();
      const { endpoint, secret } = await addEndpoint(admin, { url: receiver.url, eventTypes: ["escalation.created"] });
      const eventId = await emit("escalation.created", { escalationId: "esc_1" }, { link: { url: "https://fd.example.com/escalations/esc_1", label: "Decide" } });

      const now = new Date();
      expect(await deliverDueWebhooks({ now })).toMatchObject({ claimed: 1, retrying: 1, delivered: 0 });
      const [failed] = await deliveriesOf(eventId);
      expect(failed).toMatchObject({ endpointId: endpoint.id, status: "PENDING", attempts: 1, responseStatus: 500, deliveredAt: null });
      expect(failed!.lastError).toBe("HTTP 500: receiver is having a bad day");
      // 30 s minus at most 20 % jitter, from the tick's time: timestamps round-trip in UTC.
      const wait = failed!.nextAttemptAt.getTime() - now.getTime();
      expect(wait).toBeGreaterThanOrEqual(24_000);
      expect(wait).toBeLessThanOrEqual(31_000);

      // Not due yet: nothing is sent.
      expect(await deliverDueWebhooks({ now: later(now, 1000) })).toMatchObject({ claimed: 0 });
      expect(receiver.requests).toHaveLength(1);

      expect(await deliverDueWebhooks({ now: later(failed!.nextAttemptAt, 1) })).toMatchObject({ claimed: 1, delivered: 1 });
      const [delivered] = await deliveriesOf(eventId);
      expect(delivered).toMatchObject({ status: "DELIVERED", attempts: 2, responseStatus: 200, lastError: null });
      expect(delivered!.deliveredAt).toBeInstanceOf(Date);
      expect(receiver.requests).toHaveLength(2);

      for (const request of receiver.requests) {
        expect(request.headers["content-type"]).toBe("application/json");
        expect(request.headers["user-agent"]).toBe(USER_AGENT);
        expect(request.headers["flightdeck-event-id"]).toBe(eventId);
        expect(request.headers["flightdeck-event-type"]).toBe("escalation.created");
        const signature = request.headers["flightdeck-signature"] as string;
        expect(verifySignature(secret, request.body, signature)).toBe(true);
        expect(verifySignature("not-the-secret", request.body, signature)).toBe(false);
        expect(verifySignature(secret, request.body.replace("esc_1", "esc_2"), signature)).toBe(false);
        const envelope = JSON.parse(request.body) as Record<string, unknown>;
        expect(Object.keys(envelope)).toEqual(["id", "type", "occurredAt", "data", "text"]);
        expect(envelope).toEqual({
          id: eventId,
          type: "escalation.created",
          occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          data: { escalationId: "esc_1" },
          text: "Event escalation.created for &lt;team&gt; <https://fd.example.com/escalations/esc_1|Decide>",
        });
      }
    } finally {
      await receiver.close();
    }
  });

  it("queues nothing when the causing transaction rolls back", async () => {
    const receiver = await startReceiver(() => 200);
    try {
      await addEndpoint(await adminActor(), { url: receiver.url });
      let eventId = "";
      let queuedInside = -1;
      await expect(
        db.$transaction(async (tx) => {
          eventId = await emitEvent(tx, { type: "change.applied", data: { changeId: "c1" }, text: "Change applied" });
          queuedInside = await tx.webhookDelivery.count({ where: { eventId } });
          throw new Error("the change failed after the event was emitted");
        }),
      ).rejects.toThrow("the change failed");
      expect(queuedInside).toBe(1);
      expect(await deliveriesOf(eventId)).toHaveLength(0);
      expect(await deliverDueWebhooks()).toMatchObject({ claimed: 0 });
      expect(receiver.requests).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });

  it("loses nothing when a sender dies after claiming: the lease runs out and another run sends it", async () => {
    const receiver = await startReceiver(() => 200);
    try {
      await addEndpoint(await adminActor(), { url: receiver.url });
      const eventId = await emit("agent.tripped", { agent: "billing-bot" });
      const now = new Date();

      // Instance A claims the delivery, then "crashes": its claim is never sent nor recorded.
      const [dead, ...rest] = instances;
      const claimed = await claimDueDeliveries(dead!, { now, limit: 10 });
      expect(claimed.map((c) => c.eventId)).toEqual([eventId]);
      expect(claimed[0]!.attempts).toBe(1);

      // While the lease holds, nobody else sends it.
      expect(await deliverDueWebhooks({ now: later(now, 1000), db: rest[0] })).toMatchObject({ claimed: 0 });
      expect(receiver.requests).toHaveLength(0);

      // After it, the next run (the restarted app) does.
      expect(await deliverDueWebhooks({ now: later(now, CLAIM_LEASE_MS + 1000), db: rest[0] })).toMatchObject({ claimed: 1, delivered: 1 });
      expect(receiver.requests.map((r) => r.headers["flightdeck-event-id"])).toEqual([eventId]);
      expect((await deliveriesOf(eventId))[0]).toMatchObject({ status: "DELIVERED", attempts: 2 });

      // Were A to come back and record its stale attempt, the newer one stands.
      expect(await recordResult(dead!, claimed[0]!, { ok: false, status: null, error: "late" }, new Date())).toBe("superseded");
      expect((await deliveriesOf(eventId))[0]).toMatchObject({ status: "DELIVERED", attempts: 2, lastError: null });
    } finally {
      await receiver.close();
    }
  });

  it("two instances delivering at once send each delivery exactly once", async () => {
    const receiver = await startReceiver(() => 204, 25);
    try {
      const admin = await adminActor();
      await addEndpoint(admin, { url: `${receiver.url}?to=first` });
      await addEndpoint(admin, { url: `${receiver.url}?to=second`, eventTypes: ["budget.threshold_crossed"] });
      const eventIds = await db.$transaction(async (tx) => {
        const ids: string[] = [];
        for (let i = 0; i < 15; i++) ids.push(await emitEvent(tx, { type: "budget.threshold_crossed", data: { i }, text: `Budget ${i}` }));
        return ids;
      });
      const now = new Date();
      const [a, b] = await Promise.all([deliverDueWebhooks({ now, db: instances[1] }), deliverDueWebhooks({ now, db: instances[2] })]);
      expect(a.claimed + b.claimed).toBe(30);
      expect(a.delivered + b.delivered).toBe(30);
      // Each side got some: the two really ran at once rather than one after the other.
      expect(a.claimed).toBeGreaterThan(0);
      expect(b.claimed).toBeGreaterThan(0);

      expect(receiver.requests).toHaveLength(30);
      // 15 events × 2 endpoints, each pair once.
      expect(new Set(receiver.requests.map((r) => `${r.path} ${r.headers["flightdeck-event-id"]}`)).size).toBe(30);
      const rows = await db.webhookDelivery.findMany({ where: { eventId: { in: eventIds } } });
      expect(rows).toHaveLength(30);
      expect(rows.every((r) => r.status === "DELIVERED" && r.attempts === 1 && r.responseStatus === 204)).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it("records an unreachable receiver's error and schedules a retry without throwing", async () => {
    const closed = await startReceiver(() => 200);
    await closed.close(); // nothing listens on that port any more
    await addEndpoint(await adminActor(), { url: closed.url });
    const eventId = await emit("change.rolled_back");
    const now = new Date();
    await expect(deliverDueWebhooks({ now })).resolves.toMatchObject({ claimed: 1, retrying: 1 });
    const [row] = await deliveriesOf(eventId);
    expect(row).toMatchObject({ status: "PENDING", attempts: 1, responseStatus: null });
    expect(row!.lastError).toMatch(/^fetch failed: .*ECONNREFUSED/);
    expect(row!.lastError).not.toMatch(/\n|at .*\.js/);
    expect(row!.nextAttemptAt.getTime()).toBeGreaterThan(now.getTime() + 20_000);
  });

  it("does not follow redirects: a 302 is a failed attempt naming the target", async () => {
    const receiver = await startReceiver(() => 302);
    try {
      await addEndpoint(await adminActor(), { url: receiver.url });
      const eventId = await emit("change.rejected");
      await deliverDueWebhooks();
      const [row] = await deliveriesOf(eventId);
      expect(row).toMatchObject({ status: "PENDING", responseStatus: 302 });
      expect(row!.lastError).toBe("HTTP 302 (redirects to http://127.0.0.1:1/elsewhere; redirects are not followed)");
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it("gives up after the last attempt, and fails a last attempt whose sender died", async () => {
    const receiver = await startReceiver(() => 503);
    try {
      await addEndpoint(await adminActor(), { url: receiver.url });
      const last = await emit("escalation.sla_breached");
      // After the emit: a delivery is due from its event's time, which a `now` read before could precede by a millisecond.
      const now = new Date();
      await db.webhookDelivery.updateMany({ where: { eventId: last }, data: { attempts: MAX_ATTEMPTS - 1 } });
      expect(await deliverDueWebhooks({ now })).toMatchObject({ claimed: 1, failed: 1 });
      expect((await deliveriesOf(last))[0]).toMatchObject({ status: "FAILED", attempts: MAX_ATTEMPTS, responseStatus: 503 });

      const abandoned = await emit("escalation.deadline_approaching");
      await db.webhookDelivery.updateMany({ where: { eventId: abandoned }, data: { attempts: MAX_ATTEMPTS - 1 } });
      const claimedAt = new Date();
      expect(await claimDueDeliveries(instances[0]!, { now: claimedAt, limit: 10 })).toHaveLength(1); // ... and that sender dies
      expect(await deliverDueWebhooks({ now: later(claimedAt, CLAIM_LEASE_MS + 1000) })).toMatchObject({ claimed: 0, failed: 1 });
      const [row] = await deliveriesOf(abandoned);
      expect(row).toMatchObject({ status: "FAILED", attempts: MAX_ATTEMPTS });
      expect(row!.lastError).toContain("No result was recorded");
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});

describe("webhook subscriptions", () => {
  it("queues an event only for enabled endpoints subscribed to its type (none chosen = all)", async () => {
    const admin = await adminActor();
    const tripped = await addEndpoint(admin, { url: "http://127.0.0.1:9/a", eventTypes: ["agent.tripped"] });
    const everything = await addEndpoint(admin, { url: "http://127.0.0.1:9/b" });
    const disabled = await addEndpoint(admin, { url: "http://127.0.0.1:9/c" });
    await execute(updateWebhookEndpoint, admin, { id: disabled.endpoint.id, enabled: false });

    const applied = await emit("change.applied");
    expect((await deliveriesOf(applied)).map((d) => d.endpointId)).toEqual([everything.endpoint.id]);
    const agent = await emit("agent.tripped");
    expect((await deliveriesOf(agent)).map((d) => d.endpointId).sort()).toEqual([tripped.endpoint.id, everything.endpoint.id].sort());
  });

  it("sends a test event to the tested endpoint alone, whatever it subscribes to; refuses a disabled one", async () => {
    const admin = await adminActor();
    const tested = await addEndpoint(admin, { url: "http://127.0.0.1:9/t", eventTypes: ["prompt.label_moved"] });
    await addEndpoint(admin, { url: "http://127.0.0.1:9/other" });
    const { eventId } = await execute(sendWebhookTestEvent, admin, { id: tested.endpoint.id });
    const rows = await deliveriesOf(eventId);
    expect(rows.map((r) => [r.endpointId, r.eventType])).toEqual([[tested.endpoint.id, "webhook.test"]]);
    expect((rows[0]!.payload as { text: string }).text).toContain("*Flightdeck test event*");

    await execute(updateWebhookEndpoint, admin, { id: tested.endpoint.id, enabled: false });
    const refused = await execute(sendWebhookTestEvent, admin, { id: tested.endpoint.id }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe("conflict:webhook_endpoint");
  });
});

describe("webhook endpoint commands", () => {
  it("audits create, update and delete without the secret, and returns the secret once", async () => {
    const admin = await adminActor();
    const since = (await db.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } }))?.seq ?? 0n;
    const { endpoint, secret } = await addEndpoint(admin, { name: "ops alerts", url: "https://hooks.example.com/x", eventTypes: ["agent.tripped", "agent.tripped"] });
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(endpoint).toEqual({ id: expect.any(String), name: "ops alerts", url: "https://hooks.example.com/x", eventTypes: ["agent.tripped"], enabled: true });
    expect((await db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).createdById).toBe(admin.id);

    await execute(updateWebhookEndpoint, admin, { id: endpoint.id, enabled: false, eventTypes: [] });
    await execute(updateWebhookEndpoint, admin, { id: endpoint.id, enabled: false }); // no change: no event
    await execute(deleteWebhookEndpoint, admin, { id: endpoint.id });
    const events = await db.auditEvent.findMany({ where: { seq: { gt: since }, targetId: endpoint.id }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["webhook_endpoint.create", "webhook_endpoint.update", "webhook_endpoint.delete"]);
    expect(events[1]).toMatchObject({ before: { enabled: true, eventTypes: ["agent.tripped"] }, after: { enabled: false, eventTypes: [] } });
    expect(JSON.stringify(events.map((e) => [e.before, e.after, e.metadata]))).not.toContain(secret);

    const missing = await execute(deleteWebhookEndpoint, admin, { id: endpoint.id }).catch((e: unknown) => e);
    expect((missing as AppError).code).toBe("not_found:webhook_endpoint");
  });

  it("refuses a non-admin person, whatever entry point called execute", async () => {
    const viewer = await db.user.create({ data: { email: `viewer-${unique()}@example.com`, role: "VIEWER" } });
    const actor: Actor = { type: "USER", id: viewer.id, label: viewer.email };
    const refused = await addEndpoint(actor, { url: "https://hooks.example.com/v" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe("forbidden:admin");
    expect(await db.webhookEndpoint.count()).toBe(0);
  });

  it("accepts only http(s) URLs and event types from the catalogue", () => {
    const base = { name: "x", eventTypes: [] };
    for (const bad of ["ftp://example.com/x", "javascript:alert(1)", "not a url", "file:///etc/passwd"]) {
      expect(createWebhookEndpointSchema.safeParse({ ...base, url: bad }).success).toBe(false);
    }
    expect(createWebhookEndpointSchema.safeParse({ ...base, url: "http://127.0.0.1:8080/h" }).success).toBe(true);
    expect(createWebhookEndpointSchema.safeParse({ ...base, url: "https://x.example", eventTypes: ["webhook.test"] }).success).toBe(false);
    expect(createWebhookEndpointSchema.safeParse({ ...base, url: "https://x.example", eventTypes: ["nope"] }).success).toBe(false);
  });
});

import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseSignatureHeader, signPayload, verifySignature, webhookHeaders } from "./signing";

const secret = "s3cr3t-signing-key";
const body = JSON.stringify({ id: "evt_1", type: "webhook.test", occurredAt: "2026-12-01T10:00:00.000Z", data: {}, text: "hi" });
const t = 1_796_119_200; // 2026-12-01T10:00:00Z
const at = (seconds: number) => new Date(seconds * 1000);

describe("webhook signatures", () => {
  it("signs `<t>.<raw body>` with HMAC-SHA256, hex, in the documented header shape", () => {
    const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
    expect(signPayload(secret, body, t)).toBe(`t=${t},v1=${expected}`);
    expect(webhookHeaders({ secret, body, eventId: "evt_1", eventType: "webhook.test", timestamp: t })).toEqual({
      "Flightdeck-Signature": `t=${t},v1=${expected}`,
      "Flightdeck-Event-Id": "evt_1",
      "Flightdeck-Event-Type": "webhook.test",
    });
  });

  it("verifies its own signature, for a string or the same bytes", () => {
    const header = signPayload(secret, body, t);
    expect(verifySignature(secret, body, header, { now: at(t) })).toBe(true);
    expect(verifySignature(secret, Buffer.from(body), header, { now: at(t + 10) })).toBe(true);
  });

  it("refuses a tampered body, a wrong secret, a tampered timestamp or signature", () => {
    const header = signPayload(secret, body, t);
    expect(verifySignature(secret, body.replace("hi", "ho"), header, { now: at(t) })).toBe(false);
    expect(verifySignature(`${secret}x`, body, header, { now: at(t) })).toBe(false);
    expect(verifySignature(secret, body, header.replace(`t=${t}`, `t=${t + 1}`), { now: at(t) })).toBe(false);
    const last = header.at(-1) === "0" ? "1" : "0";
    expect(verifySignature(secret, body, `${header.slice(0, -1)}${last}`, { now: at(t) })).toBe(false);
  });

  it("refuses a replay outside the tolerance window, either way, and accepts one inside it", () => {
    const header = signPayload(secret, body, t);
    expect(verifySignature(secret, body, header, { now: at(t + 300) })).toBe(true);
    expect(verifySignature(secret, body, header, { now: at(t + 301) })).toBe(false);
    expect(verifySignature(secret, body, header, { now: at(t - 301) })).toBe(false);
    expect(verifySignature(secret, body, header, { now: at(t + 3600), toleranceSeconds: 3600 })).toBe(true);
  });

  it("refuses missing or malformed headers", () => {
    for (const header of [null, undefined, "", "garbage", `t=${t}`, "v1=abc", `t=abc,v1=${"0".repeat(64)}`, `t=${t},v1=${"0".repeat(63)}`]) {
      expect(verifySignature(secret, body, header, { now: at(t) })).toBe(false);
    }
  });

  it("accepts any one valid v1 among several (secret rotation)", () => {
    const good = signPayload(secret, body, t).split(",v1=")[1]!;
    const header = `t=${t},v1=${"a".repeat(64)},v1=${good}`;
    expect(parseSignatureHeader(header)?.signatures).toHaveLength(2);
    expect(verifySignature(secret, body, header, { now: at(t) })).toBe(true);
  });

  it("rejects a non-integer timestamp when signing", () => {
    expect(() => signPayload(secret, body, 1.5)).toThrow();
  });
});

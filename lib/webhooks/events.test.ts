import { describe, expect, it } from "vitest";
import { buildEnvelope, buildEventText, escapeMrkdwn, mrkdwn, newEventId, SUBSCRIBABLE_EVENT_TYPES, WEBHOOK_EVENT_LABELS, WEBHOOK_EVENT_TYPES } from "./events";

describe("webhook events", () => {
  it("declares each type once, area.verb, with a label; webhook.test is not subscribable", () => {
    expect(new Set(WEBHOOK_EVENT_TYPES).size).toBe(WEBHOOK_EVENT_TYPES.length);
    for (const type of WEBHOOK_EVENT_TYPES) {
      expect(type).toMatch(/^[a-z]+\.[a-z_]+$/);
      expect(WEBHOOK_EVENT_LABELS[type]).toBeTruthy();
    }
    expect(SUBSCRIBABLE_EVENT_TYPES).not.toContain("webhook.test");
    expect(SUBSCRIBABLE_EVENT_TYPES).toHaveLength(WEBHOOK_EVENT_TYPES.length - 1);
  });

  it("escapes interpolated values as Slack documents, and only those", () => {
    expect(escapeMrkdwn("a <b> & c")).toBe("a &lt;b&gt; &amp; c");
    const agent = "<!channel> & co";
    expect(mrkdwn`*Agent* ${agent} tripped at ${3}`).toBe("*Agent* &lt;!channel&gt; &amp; co tripped at 3");
  });

  it("appends the link, resolving console paths against the public URL", () => {
    expect(buildEventText("Budget crossed", { url: "/spend?team=a", label: "Spend" }, "https://fd.example.com")).toBe(
      "Budget crossed <https://fd.example.com/spend?team=a|Spend>",
    );
    expect(buildEventText("x", { url: "https://elsewhere.example/a|b>c" }, undefined)).toBe("x <https://elsewhere.example/a%7Cb%3Ec|Open in Flightdeck>");
    // A path with no known public URL cannot become a link: the text goes out without one.
    expect(buildEventText("x", { url: "/escalations/1" }, undefined)).toBe("x");
    expect(buildEventText("x", undefined, "https://fd.example.com")).toBe("x");
    expect(buildEventText("x", { url: "https://a.example", label: "a|b <c>" }, undefined)).toBe("x <https://a.example|a/b &lt;c&gt;>");
  });

  it("builds the envelope { id, type, occurredAt, data, text } with a fresh id each time", () => {
    const occurredAt = new Date("2026-12-01T10:00:00.000Z");
    const envelope = buildEnvelope(
      { type: "escalation.created", data: { escalationId: "e1" }, text: mrkdwn`Escalation for ${"billing-bot"}`, link: { url: "/escalations/e1", label: "Decide" }, occurredAt },
      "evt_fixed",
      "http://localhost:3000",
    );
    expect(envelope).toEqual({
      id: "evt_fixed",
      type: "escalation.created",
      occurredAt: "2026-12-01T10:00:00.000Z",
      data: { escalationId: "e1" },
      text: "Escalation for billing-bot <http://localhost:3000/escalations/e1|Decide>",
    });
    expect(Object.keys(envelope)).toEqual(["id", "type", "occurredAt", "data", "text"]);
    expect(newEventId()).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(newEventId()).not.toBe(newEventId());
  });
});

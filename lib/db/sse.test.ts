import { afterEach, describe, expect, it, vi } from "vitest";
import { formatSseEvent, sseResponse, type SseEvent } from "./sse";

/** A source like the hub's subscribe: records its listener and whether it was unsubscribed. */
function fakeSource() {
  const source = {
    send: undefined as ((event: SseEvent) => void) | undefined,
    unsubscribed: 0,
    subscribe: (send: (event: SseEvent) => void) => {
      source.send = send;
      return () => {
        source.unsubscribed += 1;
      };
    },
  };
  return source;
}

/** Reads chunks until `text` has appeared in the stream (real ReadableStream reader). */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, text: string, seen = { text: "" }) {
  const decoder = new TextDecoder();
  while (!seen.text.includes(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${JSON.stringify(text)}; got ${JSON.stringify(seen.text)}`);
    seen.text += decoder.decode(value, { stream: true });
  }
  return seen.text;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("formatSseEvent", () => {
  it("writes event, id and one JSON data line", () => {
    expect(formatSseEvent({ event: "escalation", id: "7", data: { key: "e1", text: "a\nb" } })).toBe(
      'event: escalation\nid: 7\ndata: {"key":"e1","text":"a\\nb"}\n\n',
    );
    expect(formatSseEvent({ data: "plain" })).toBe('data: "plain"\n\n');
    expect(formatSseEvent({ data: undefined })).toBe("data: null\n\n");
  });

  it("refuses an event name that would break the framing", () => {
    expect(() => formatSseEvent({ event: "a\ndata: injected", data: 1 })).toThrow(/one line/);
  });
});

describe("sseResponse", () => {
  it("streams retry, the initial events, then live events held during init, then live events", async () => {
    const source = fakeSource();
    let finishInit: (events: SseEvent[]) => void = () => {};
    const response = sseResponse(new Request("http://localhost/live"), {
      subscribe: source.subscribe,
      init: () => new Promise((resolve) => (finishInit = resolve)),
      retryMs: 2_000,
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");

    const reader = response.body!.getReader();
    const seen = { text: "" };
    await readUntil(reader, "retry: 2000\n\n", seen);
    source.send!({ event: "update", data: { key: "during-init" } });
    finishInit([{ event: "snapshot", data: [1, 2] }]);
    await readUntil(reader, "during-init", seen);
    source.send!({ event: "update", data: { key: "live" } });
    const text = await readUntil(reader, '"live"', seen);

    expect(text).toBe(
      "retry: 2000\n\n" +
        "event: snapshot\ndata: [1,2]\n\n" +
        'event: update\ndata: {"key":"during-init"}\n\n' +
        'event: update\ndata: {"key":"live"}\n\n',
    );
    await reader.cancel();
    expect(source.unsubscribed).toBe(1);
  });

  it("sends a comment heartbeat every 15 s, and stops it on abort", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const source = fakeSource();
    const abort = new AbortController();
    const response = sseResponse(new Request("http://localhost/live", { signal: abort.signal }), {
      subscribe: source.subscribe,
    });
    const reader = response.body!.getReader();
    const seen = { text: "" };
    vi.advanceTimersByTime(14_999);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1);
    await readUntil(reader, ": heartbeat\n\n", seen);

    abort.abort();
    expect(source.unsubscribed).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    // Late events from the source are dropped, not thrown.
    expect(() => source.send!({ data: "late" })).not.toThrow();
  });

  it("cleans up once when the reader cancels", async () => {
    const source = fakeSource();
    const response = sseResponse(new Request("http://localhost/live"), {
      subscribe: source.subscribe,
      init: async () => [{ data: "hello" }],
    });
    const reader = response.body!.getReader();
    await readUntil(reader, "hello");
    await reader.cancel();
    source.send!({ data: "after cancel" });
    expect(source.unsubscribed).toBe(1);
  });

  it("does not subscribe for a request that is already aborted", async () => {
    const source = fakeSource();
    const response = sseResponse(new Request("http://localhost/live", { signal: AbortSignal.abort() }), {
      subscribe: source.subscribe,
    });
    expect(await response.body!.getReader().read()).toEqual({ done: true, value: undefined });
    expect(source.send).toBeUndefined();
  });

  it("errors the stream and unsubscribes when init fails", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const source = fakeSource();
    const response = sseResponse(new Request("http://localhost/live"), {
      subscribe: source.subscribe,
      init: async () => {
        throw new Error("database down");
      },
    });
    await expect(response.body!.getReader().read()).rejects.toThrow("database down");
    expect(source.unsubscribed).toBe(1);
    error.mockRestore();
  });

  it("drops a browser that stopped reading instead of queueing without bound", async () => {
    const source = fakeSource();
    const response = sseResponse(new Request("http://localhost/live"), {
      subscribe: source.subscribe,
      init: async () => [],
      maxQueuedChunks: 5,
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    for (let i = 0; i < 10; i++) source.send!({ data: i });
    expect(source.unsubscribed).toBe(1);
    const reader = response.body!.getReader();
    let chunks = 0;
    while (!(await reader.read()).done) chunks += 1;
    expect(chunks).toBe(5);
  });
});

/**
 * Server-sent events: one `Response` helper that turns a subscribe-like source
 * (the notification hub, usually) into a `text/event-stream`, and cleans up
 * when the browser goes away.
 *
 * Order, so nothing falls between the snapshot and the live events: the source
 * is subscribed first, then `init()` reads the snapshot; events that arrive
 * while it reads are held and sent after it. A live view re-reads (or asks the
 * browser to) on the hub's "reconnected" signal, e.g.
 *
 *   return sseResponse(request, {
 *     subscribe: (send) =>
 *       subscribe("escalations", (e) =>
 *         send(e.reason === "notified" ? { event: "escalation", data: e.payload } : { event: "resync", data: null }),
 *       ),
 *     init: async () => {
 *       await ready("escalations");
 *       return [{ event: "snapshot", data: await listPendingEscalations() }];
 *     },
 *   });
 */

export interface SseEvent {
  /** The `event:` name; omitted means the browser's default "message". */
  event?: string;
  /** Sent as one `data:` line of JSON. */
  data: unknown;
  id?: string;
}

export interface SseOptions {
  subscribe: (send: (event: SseEvent) => void) => () => void;
  init?: () => Promise<SseEvent[]>;
  /** Sent as `retry:` first: how long the browser waits before reconnecting. */
  retryMs?: number;
  /** A comment line this often keeps proxies and load balancers from closing an idle stream. */
  heartbeatMs?: number;
  /** A browser this many chunks behind is dropped; it reconnects and re-reads, which beats unbounded memory. */
  maxQueuedChunks?: number;
}

export const SSE_HEARTBEAT_MS = 15_000;
const SSE_MAX_QUEUED_CHUNKS = 1_000;

export const SSE_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  // no-transform: compressing proxies would buffer the stream.
  "Cache-Control": "no-cache, no-transform",
  // nginx buffers proxied responses unless told not to.
  "X-Accel-Buffering": "no",
} as const;

/** One event in the wire format; a field with a line break would end the event early, so it is refused. */
export function formatSseEvent({ event, data, id }: SseEvent): string {
  for (const [name, value] of [["event", event], ["id", id]] as const) {
    if (value !== undefined && /[\r\n]/.test(value)) throw new TypeError(`SSE ${name} must be one line`);
  }
  let text = "";
  if (event !== undefined) text += `event: ${event}\n`;
  if (id !== undefined) text += `id: ${id}\n`;
  // JSON.stringify escapes line breaks, so data is always one line.
  return `${text}data: ${JSON.stringify(data) ?? "null"}\n\n`;
}

export function sseResponse(request: Request, options: SseOptions): Response {
  const heartbeatMs = options.heartbeatMs ?? SSE_HEARTBEAT_MS;
  const maxQueued = options.maxQueuedChunks ?? SSE_MAX_QUEUED_CHUNKS;
  const encoder = new TextEncoder();
  let cleanup = () => {};

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (request.signal.aborted) return controller.close();
        let closed = false;
        let held: SseEvent[] | null = [];
        let unsubscribe: (() => void) | undefined;

        const write = (text: string) => {
          if (closed) return;
          // desiredSize is the high-water mark (1 chunk) minus the chunks the browser has not read yet.
          if (1 - (controller.desiredSize ?? 1) >= maxQueued) return end();
          controller.enqueue(encoder.encode(text));
        };
        const heartbeat = setInterval(() => write(": heartbeat\n\n"), heartbeatMs);
        const onAbort = () => end();
        cleanup = () => {
          if (closed) return;
          closed = true;
          clearInterval(heartbeat);
          request.signal.removeEventListener("abort", onAbort);
          unsubscribe?.();
        };
        const end = (error?: unknown) => {
          if (closed) return;
          cleanup();
          try {
            if (error === undefined) controller.close();
            else controller.error(error);
          } catch {
            // Already closed by the reader's cancel.
          }
        };
        const send = (event: SseEvent) => {
          if (held) held.push(event);
          else write(formatSseEvent(event));
        };

        request.signal.addEventListener("abort", onAbort, { once: true });
        if (options.retryMs !== undefined) write(`retry: ${Math.max(0, Math.round(options.retryMs))}\n\n`);
        try {
          unsubscribe = options.subscribe(send);
        } catch (error) {
          return end(error);
        }
        if (closed) unsubscribe();

        // Not awaited: the Response (and its headers) goes out while the snapshot is read.
        void (async () => {
          try {
            const initial = (await options.init?.()) ?? [];
            const waiting = held ?? [];
            held = null;
            for (const event of [...initial, ...waiting]) write(formatSseEvent(event));
          } catch (error) {
            console.error("[flightdeck] event stream: initial events failed", error);
            end(error);
          }
        })();
      },
      cancel() {
        cleanup();
      },
    },
    { highWaterMark: 1 },
  );

  return new Response(body, { headers: SSE_HEADERS });
}

/**
 * HTTP load over keep-alive connections (node:http), two ways:
 * - closed loop (`closedLoop`): `connections` clients each send their next
 *   request when the previous answer is in, for `seconds`: the most the server
 *   sustains at that concurrency;
 * - open loop (`openLoop`): requests scheduled at a fixed rate whatever the
 *   answers do, each one's latency counted from its scheduled time, not from
 *   when it went out (no coordinated omission: a stall shows as the latency of
 *   every request that should have been sent during it, as in wrk2). At most
 *   `connections` are in flight; the others wait for a connection, and that
 *   wait counts. With `pinned`, each of the `connections` clients has its own
 *   connection and sends every `connections`-th request (request n on client
 *   n % connections), as that many agents each calling at rate / connections
 *   would: a client's requests wait for its own previous answer only.
 * Requests are GETs unless the target gives a method and a body (a POST is
 * never retried: it may not be idempotent). Each answer is checked (status on
 * every one, the body on every `checkEvery`th).
 */
import http from "node:http";

export interface RequestSpec {
  path: string;
  headers?: Record<string, string>;
  /** Default GET. */
  method?: "GET" | "POST";
  /** Sent as it is (set content-type in `headers`). */
  body?: string | Buffer;
}

export interface Target {
  label: string;
  /** The n-th request (so requests can rotate over several resources or agents). */
  request: (n: number) => RequestSpec;
  /** Null when the answer is right, else what is wrong. `body` is null on the answers whose body is not checked; `n` is the request's number. */
  check: (status: number, body: Buffer | null, headers: http.IncomingHttpHeaders, n: number) => string | null;
  /** Check the body of every n-th answer (its status always). Default 25. */
  checkEvery?: number;
}

export interface LoadResult {
  label: string;
  mode: "closed" | "open";
  connections: number;
  /** Open loop: the rate asked for. */
  rate: number | null;
  seconds: number;
  requests: number;
  errors: number;
  errorSamples: string[];
  /** Answers per second (successful or not). */
  rps: number;
  /** Latency of the successful answers, ms, sorted. */
  latencies: number[];
  /** Open loop: how late the generator itself sent each request after its scheduled time, ms, sorted. */
  sendLag: number[];
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const TIMEOUT_MS = 10_000;

export function newAgent(connections: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, keepAliveMsecs: 30_000 });
}

/** One GET, its whole body read (see `send`). */
export function get(agent: http.Agent, port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return send(agent, port, { path, headers });
}

/**
 * One request, its whole body read. A GET that fails with ECONNRESET on a reused keep-alive connection is
 * sent once more on a fresh one (the server closed that idle connection as the request went out: the race
 * Node's docs describe for `request.reusedSocket`; HTTP clients retry idempotent requests there too).
 */
export async function send(agent: http.Agent, port: number, spec: RequestSpec): Promise<Answer> {
  try {
    return await sendOnce(agent, port, spec);
  } catch (error) {
    if (!(error instanceof ReusedSocketReset) || (spec.method ?? "GET") !== "GET") throw error;
    return sendOnce(agent, port, spec);
  }
}

class ReusedSocketReset extends Error {}

function sendOnce(agent: http.Agent, port: number, { path, headers = {}, method = "GET", body }: RequestSpec): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method, agent, headers, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on("error", (error: NodeJS.ErrnoException) => {
      reject(req.reusedSocket && error.code === "ECONNRESET" ? new ReusedSocketReset(error.message) : error);
    });
    req.end(body);
  });
}

class Recorder {
  latencies: number[] = [];
  sendLag: number[] = [];
  requests = 0;
  errors = 0;
  errorSamples: string[] = [];
  private n = 0;
  constructor(private readonly target: Target) {}

  /** The number the next request will have. */
  get next(): number {
    return this.n;
  }

  /** Sends one request; records its latency from `from` (ms, performance.now()). */
  async measure(agent: http.Agent, port: number, from: number): Promise<void> {
    const n = this.n++;
    const checkBody = n % (this.target.checkEvery ?? 25) === 0;
    const spec = this.target.request(n);
    let problem: string | null;
    try {
      const answer = await send(agent, port, spec);
      const elapsed = performance.now() - from;
      problem = this.target.check(answer.status, checkBody ? answer.body : null, answer.headers, n);
      if (!problem) this.latencies.push(elapsed);
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    this.requests++;
    if (problem) {
      this.errors++;
      if (this.errorSamples.length < 5) this.errorSamples.push(problem);
    }
  }

  result(mode: LoadResult["mode"], connections: number, rate: number | null, seconds: number): LoadResult {
    return {
      label: this.target.label,
      mode,
      connections,
      rate,
      seconds,
      requests: this.requests,
      errors: this.errors,
      errorSamples: this.errorSamples,
      rps: this.requests / seconds,
      latencies: this.latencies.sort((a, b) => a - b),
      sendLag: this.sendLag.sort((a, b) => a - b),
    };
  }
}

/** `connections` clients, each sending its next request as soon as the previous answer is in, for `seconds`. */
export async function closedLoop(port: number, target: Target, connections: number, seconds: number): Promise<LoadResult> {
  const agent = newAgent(connections);
  const recorder = new Recorder(target);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) await recorder.measure(agent, port, performance.now());
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return recorder.result("closed", connections, null, elapsed);
}

export interface OpenLoopOptions {
  /** One connection per client, request n on client n % connections (default: any free connection of the pool). */
  pinned?: boolean;
  /** What opens each connection before the clock starts (default: the target's first request, if it is a GET). */
  warmRequest?: RequestSpec;
}

/**
 * `rate` requests per second for `seconds`, sent on schedule whatever the answers do (at most
 * `connections` in flight, the rest queued for a connection); latency from each scheduled time.
 */
export async function openLoop(port: number, target: Target, connections: number, rate: number, seconds: number, options: OpenLoopOptions = {}): Promise<LoadResult> {
  const agents = options.pinned ? Array.from({ length: connections }, () => newAgent(1)) : [newAgent(connections)];
  const agentOf = (n: number) => agents[n % agents.length]!;
  // Open the connections first, so the first scheduled requests do not pay the TCP handshakes.
  const first = target.request(0);
  const warm = options.warmRequest ?? ((first.method ?? "GET") === "GET" ? first : { path: "/api/live" });
  await Promise.all(Array.from({ length: connections }, (_, i) => send(agentOf(i), port, warm).catch(() => undefined)));
  const recorder = new Recorder(target);
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = performance.now() + 5;
  const inFlight: Promise<void>[] = [];
  let sent = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const scheduled = start + sent * interval;
        recorder.sendLag.push(now - scheduled);
        inFlight.push(recorder.measure(agentOf(recorder.next), port, scheduled));
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      else done();
    };
    tick();
  });
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  for (const agent of agents) agent.destroy();
  return recorder.result("open", connections, rate, elapsed);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * The Prompt log's search against the real database, over documents the indexing job wrote (it is
 * run after each batch of data, as its schedule would): matches in what was sent and what came back,
 * every filter, keyset pagination, both search routes (the walk and the GIN index, checked through
 * the index's own scan counter), partial pages, hostile search text, and that the migration's
 * indexes are what the statements use. The job itself: indexer.int.test.ts.
 */
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { createAgent, createRun, hex } from "@/tests/factories/runs";
import { catchUpPromptLog } from "./indexer";
import { parsePromptLogQuery, type PromptLogFilter } from "./params";
import { searchPromptLog, type PromptLogPage } from "./search";

const suffix = randomBytes(3).toString("hex");
/** A word no other test's data contains (digits keep it one token). */
const word = (base: string) => `${base}${suffix}x${randomBytes(2).toString("hex")}`;
const W = {
  inInput: word("sentword"),
  inOutput: word("gotword"),
  shared: word("sharedword"),
  alpha: word("alpha"),
  beta: word("beta"),
  tool: word("toolword"),
  page: word("pageword"),
  old: word("oldword"),
  dense1: word("densea"),
  dense2: word("denseb"),
  unicode: `größe${suffix}`,
};
const team = `log-team-${suffix}`;
const otherTeam = `log-other-${suffix}`;
const prompt = `log-prompt-${suffix}`;
const base = Date.parse("2025-03-04T10:00:00Z");
const at = (minutes: number) => new Date(base + minutes * 60_000);
const ids: Record<string, string> = {};
let agentA = "";
let agentB = "";
let fillerAgent = "";

interface CallSpec {
  key: string;
  atMin: number;
  input?: Prisma.InputJsonValue | null;
  output?: Prisma.InputJsonValue | null;
  model?: string;
  promptName?: string | null;
  promptVersion?: number | null;
  kind?: "LLM_CALL" | "TOOL_CALL";
  failed?: boolean;
}

/** A run with the given LLM calls (and other steps), as ingestion would store them. */
async function runWith(agent: { id: string; teamId: string | null }, calls: CallSpec[]) {
  const { run, traceId } = await createRun(db, { agentId: agent.id, teamId: agent.teamId, startedAt: at(Math.min(...calls.map((c) => c.atMin))) });
  for (const c of calls) {
    const step = await db.step.create({
      data: {
        runId: run.id,
        traceId,
        spanId: hex(8),
        kind: c.kind ?? "LLM_CALL",
        name: c.kind === "TOOL_CALL" ? "execute_tool lookup" : "chat",
        status: c.failed ? "FAILED" : "OK",
        error: c.failed ? "rate limited" : null,
        startedAt: at(c.atMin),
        endedAt: at(c.atMin + 0.05),
        model: c.kind === "TOOL_CALL" ? null : (c.model ?? "gpt-4o"),
        inputTokens: 1200,
        outputTokens: 300,
        costUsd: 0.0066,
        promptName: c.promptName === undefined ? prompt : c.promptName,
        promptVersion: c.promptVersion === undefined ? 1 : c.promptVersion,
        tool: c.kind === "TOOL_CALL" ? "lookup" : null,
        arguments: c.kind === "TOOL_CALL" ? { query: W.tool } : undefined,
        inputMessages: c.input === null ? undefined : (c.input ?? [{ role: "user", content: "hello" }]),
        outputMessages: c.output === null ? undefined : (c.output ?? [{ role: "assistant", content: "hi" }]),
      },
    });
    ids[c.key] = step.id;
  }
  return run;
}

const chat = (...contents: string[]) => contents.map((content, i) => ({ role: i === 0 && contents.length > 1 ? "system" : "user", content }));
const answer = (content: string) => [{ role: "assistant", content, finish_reason: "stop" }];

beforeAll(async () => {
  const a = await createAgent(db, { name: `log-agent-a-${suffix}`, teamName: team });
  const b = await createAgent(db, { name: `log-agent-b-${suffix}`, teamName: otherTeam });
  const f = await createAgent(db, { name: `log-filler-${suffix}`, teamName: team });
  agentA = a.name;
  agentB = b.name;
  fillerAgent = f.name;
  await runWith(a, [
    { key: "input", atMin: 1, input: chat("You are a refunds agent.", `Please refund order 4711 ${W.inInput} and ${W.alpha} ${W.beta} today`), output: answer(`Refund approved, ${W.shared}.`) },
    { key: "output", atMin: 2, input: chat("Summarise the ticket"), output: answer(`The customer wrote ${W.inOutput} twice; ${W.beta} then ${W.alpha}.`), model: "claude-sonnet-4", promptVersion: 2 },
    { key: "tool", atMin: 3, kind: "TOOL_CALL", input: null, output: null },
    { key: "failed", atMin: 4, input: chat(`Retry ${W.shared}`), output: null, failed: true, promptName: null, promptVersion: null },
    { key: "unicode", atMin: 5, input: chat(`Die ${W.unicode} des Pakets 日本語テキスト 🎉 שלום`), output: answer("Danke") },
  ]);
  await runWith(b, [{ key: "otherTeam", atMin: 6, input: chat(`From the other team: ${W.shared}`), output: answer("ok"), model: "gpt-4o-mini", promptName: `${prompt}-b` }]);
  // 130 calls sharing a word, two per minute, the same second for each pair: ties broken by id.
  const pageCalls: CallSpec[] = Array.from({ length: 130 }, (_, i) => ({
    key: `page${i}`,
    atMin: 10 + Math.floor(i / 2),
    input: chat(`Call ${i} about ${W.page}`),
    output: answer(`Answer ${i}`),
  }));
  await runWith(a, pageCalls);
  await catchUpPromptLog();
});

const search = (filter: Partial<PromptLogFilter>) => searchPromptLog({ limit: 50, ...filter });
const stepIds = (page: PromptLogPage) => page.rows.map((r) => r.stepId);

describe("matching", () => {
  it("finds a word in what was sent, with the call's figures, names and a highlighted excerpt", async () => {
    const page = await search({ q: W.inInput });
    expect(stepIds(page)).toEqual([ids.input]);
    const row = page.rows[0]!;
    expect(row).toMatchObject({
      agent: agentA,
      team,
      model: "gpt-4o",
      promptName: prompt,
      promptVersion: 1,
      inputTokens: 1200,
      outputTokens: 300,
      costUsd: 0.0066,
      status: "OK",
      startedAt: at(1).toISOString(),
    });
    expect(row.runId).toMatch(/^c/);
    expect(row.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(row.input.excerpt.filter((p) => p.match).map((p) => p.text)).toEqual([W.inInput]);
    expect(row.input.excerpt.map((p) => p.text).join("")).toContain("Please refund order 4711");
    expect(row.input.messages).toEqual(chat("You are a refunds agent.", `Please refund order 4711 ${W.inInput} and ${W.alpha} ${W.beta} today`));
    expect(row.output.excerpt.map((p) => p.text).join("")).toContain("Refund approved");
    expect(page.nextCursor).toBeNull();
  });

  it("finds a word in what came back, in any letter case", async () => {
    expect(stepIds(await search({ q: W.inOutput.toUpperCase() }))).toEqual([ids.output]);
    const row = (await search({ q: W.inOutput })).rows[0]!;
    expect(row.output.excerpt.some((p) => p.match && p.text === W.inOutput)).toBe(true);
  });

  it("needs every word; finds a phrase only where its words are adjacent; or and -word", async () => {
    expect(stepIds(await search({ q: `${W.alpha} ${W.beta}` }))).toEqual([ids.output, ids.input]);
    expect(stepIds(await search({ q: `"${W.alpha} ${W.beta}"` }))).toEqual([ids.input]);
    expect(stepIds(await search({ q: `"${W.beta} then ${W.alpha}"` }))).toEqual([ids.output]);
    expect(stepIds(await search({ q: `${W.inInput} or ${W.inOutput}` }))).toEqual([ids.output, ids.input]);
    expect(stepIds(await search({ q: `${W.alpha} -${W.inOutput}` }))).toEqual([ids.input]);
    expect(stepIds(await search({ q: `${W.inInput} ${W.inOutput}` }))).toEqual([]);
  });

  it("searches LLM calls only (not a tool call's arguments), newest first", async () => {
    expect(stepIds(await search({ q: W.tool }))).toEqual([]);
    expect(stepIds(await search({ q: W.shared }))).toEqual([ids.otherTeam, ids.failed, ids.input]);
  });

  it("finds non-ASCII words and shows calls without output or prompt", async () => {
    expect(stepIds(await search({ q: W.unicode }))).toEqual([ids.unicode]);
    expect(stepIds(await search({ q: `日本語テキスト ${W.unicode}` }))).toEqual([ids.unicode]);
    const failed = (await search({ q: `retry ${W.shared}` })).rows[0]!;
    expect(failed).toMatchObject({ stepId: ids.failed, status: "FAILED", promptName: null, promptVersion: null });
    expect(failed.output).toMatchObject({ excerpt: [], messages: null, bytes: 0 });
  });
});

describe("filters", () => {
  it("filters by agent, team, prompt, version, model and time, each on its own and together", async () => {
    const q = W.shared;
    expect(stepIds(await search({ q, agent: agentA }))).toEqual([ids.failed, ids.input]);
    expect(stepIds(await search({ q, agent: agentB }))).toEqual([ids.otherTeam]);
    expect(stepIds(await search({ q, team: otherTeam }))).toEqual([ids.otherTeam]);
    expect(stepIds(await search({ q, prompt: `${prompt}-b` }))).toEqual([ids.otherTeam]);
    expect(stepIds(await search({ q: W.alpha, prompt, version: 2 }))).toEqual([ids.output]);
    expect(stepIds(await search({ q: W.alpha, model: "claude-sonnet-4" }))).toEqual([ids.output]);
    expect(stepIds(await search({ q, from: at(4) }))).toEqual([ids.otherTeam, ids.failed]);
    expect(stepIds(await search({ q, to: at(4) }))).toEqual([ids.input]);
    expect(stepIds(await search({ q, from: at(1), to: at(4.5), agent: agentA, team }))).toEqual([ids.failed, ids.input]);
    expect(stepIds(await search({ q, agent: "no-such-agent" }))).toEqual([]);
  });

  it("lists without a search text (the filters alone), LLM calls only", async () => {
    const page = await search({ agent: agentA, to: at(6) });
    expect(stepIds(page)).toEqual([ids.unicode, ids.failed, ids.output, ids.input]);
    expect(page.rows[0]!.input.excerpt.map((p) => p.text).join("")).toContain("日本語テキスト");
  });

  it("reads the page's parameters into the same filter", async () => {
    const { filter } = parsePromptLogQuery({ q: W.shared, agent: agentA, from: "2025-03-04T10:01", to: "2025-03-04" });
    expect(stepIds(await searchPromptLog(filter))).toEqual([ids.failed, ids.input]);
  });
});

describe("pagination", () => {
  async function allPages(filter: Partial<PromptLogFilter>): Promise<{ pages: PromptLogPage[]; all: string[] }> {
    const pages: PromptLogPage[] = [];
    let cursor: string | undefined;
    do {
      const page = await search({ ...filter, cursor });
      pages.push(page);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && pages.length < 20);
    return { pages, all: pages.flatMap(stepIds) };
  }

  const expected = () =>
    Array.from({ length: 130 }, (_, i) => ({ id: ids[`page${i}`]!, at: at(10 + Math.floor(i / 2)).getTime() }))
      .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
      .map((x) => x.id);

  it("walks 130 matches in pages of 50 without duplicates or gaps, ties broken by id", async () => {
    const { pages, all } = await allPages({ q: W.page });
    expect(pages.map((p) => p.rows.length)).toEqual([50, 50, 30]);
    expect(pages[2]!.nextCursor).toBeNull();
    expect(new Set(all).size).toBe(130);
    expect(all).toEqual(expected());
  });

  it("pages the same way without a search text", async () => {
    const { all } = await allPages({ agent: agentA, from: at(10) });
    expect(all).toEqual(expected());
  });

  it("honours the page size", async () => {
    const page = await search({ q: W.page, limit: 7 });
    expect(page.rows).toHaveLength(7);
    expect(page.nextCursor).not.toBeNull();
  });
});

const SEARCH_INDEX = "PromptLogDoc_doc_idx";
const TIME_INDEX = "PromptLogDoc_startedAt_stepId_idx";

describe("the index route and partial pages", () => {
  // 1,700 newer calls of one agent, every one containing two words never adjacent: the walk
  // (the newest 1,500) finds nothing older, so the search must go through the GIN index.
  const FILLERS = 1700;
  let oldId = "";
  beforeAll(async () => {
    const agent = await db.agent.findUniqueOrThrow({ where: { name: fillerAgent } });
    const old = await runWith(agent, [{ key: "old", atMin: -600, input: chat(`A much older call: ${W.old}, ${W.dense1} ${W.dense2}`), output: answer("noted") }]);
    oldId = ids.old!;
    const { run } = await createRun(db, { agentId: agent.id, teamId: agent.teamId, startedAt: at(1000) });
    await db.$executeRaw`
      INSERT INTO "Step" (id, "runId", "traceId", "spanId", kind, name, "startedAt", model, "promptName", "promptVersion", "inputMessages", "outputMessages")
      SELECT 'cfill' || ${suffix} || lpad(g::text, 16, '0'), ${run.id}, ${run.traceId}, lpad(to_hex(g), 16, '0'), 'LLM_CALL', 'chat',
        ${at(1000)}::timestamp + make_interval(secs => g), 'gpt-4o', ${prompt}, 1,
        jsonb_build_array(jsonb_build_object('role', 'user', 'content', ${W.dense1} || ' filler ' || g || ' ' || ${W.dense2})),
        jsonb_build_array(jsonb_build_object('role', 'assistant', 'content', 'ok ' || g))
      FROM generate_series(1, ${FILLERS}) g`;
    expect(old.id).toBeTruthy();
    await catchUpPromptLog();
    // Statistics, as autovacuum keeps them: without any, the planner takes this small table for an empty one.
    await db.$executeRaw`ANALYZE "PromptLogDoc"`;
  });

  async function indexScans(name: string): Promise<number> {
    const [row] = await db.$queryRaw<{ n: bigint }[]>`SELECT coalesce(sum(idx_scan), 0)::bigint AS n FROM pg_stat_user_indexes WHERE indexrelname = ${name}`;
    return Number(row?.n ?? 0);
  }

  /** Cumulative statistics reach other sessions when the backend flushes them (about once a second). */
  async function expectIndexUsed(name: string, before: number) {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if ((await indexScans(name)) > before) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${name} was not scanned`);
  }

  it("finds a call older than the walk through the GIN index", async () => {
    const before = await indexScans(SEARCH_INDEX);
    const page = await search({ q: W.old, agent: fillerAgent });
    expect(stepIds(page)).toEqual([oldId]);
    expect(page.partial).toBe(false);
    await expectIndexUsed(SEARCH_INDEX, before);
  });

  it("finds common words among the newest calls by walking", async () => {
    const page = await search({ q: W.dense1 });
    expect(stepIds(page)).toEqual(Array.from({ length: 50 }, (_, i) => `cfill${suffix}${String(FILLERS - i).padStart(16, "0")}`));
    expect(page.nextCursor).not.toBeNull();
  });

  it("ends a page early on a phrase of common words rarely adjacent, and the cursor resumes without misses", async () => {
    const q = `"${W.dense1} ${W.dense2}"`;
    // No budget: one walk window (200 candidates checked), then the page ends.
    const first = await searchPromptLog({ q, agent: fillerAgent, limit: 50 }, { walkBudgetMs: 0 });
    expect(first.partial).toBe(true);
    expect(first.rows).toEqual([]);
    expect(first.searchedBack).not.toBeNull();
    expect(first.nextCursor).not.toBeNull();
    const found: string[] = [];
    let cursor = first.nextCursor ?? undefined;
    for (let i = 0; i < 40 && cursor; i++) {
      const page = await searchPromptLog({ q, agent: fillerAgent, limit: 50, cursor }, { walkBudgetMs: 0 });
      found.push(...stepIds(page));
      cursor = page.nextCursor ?? undefined;
    }
    expect(found).toEqual([oldId]);
    expect(cursor).toBeUndefined();
  });

  it("answers `-word` alone by walking, partially", async () => {
    const page = await searchPromptLog({ q: `-${W.dense1}`, agent: fillerAgent, limit: 50 }, { walkBudgetMs: 0 });
    expect(page.rows).toEqual([]);
    expect(page.partial).toBe(true);
    expect(page.nextCursor).not.toBeNull();
  });

  it("says so when the search takes longer than its limit", async () => {
    const page = await searchPromptLog({ q: W.dense1, agent: fillerAgent, limit: 50 }, { timeoutMs: 1 });
    expect(page).toMatchObject({ timedOut: true, rows: [] });
  });
});

describe("hostile search text", () => {
  it.each([
    ["only operators", "!&|:*()"],
    ["quotes and escapes", `"" '' \\ \\' '"`],
    ["tsquery syntax", "a:* & !b | (c <-> d) <2> 'e':A"],
    ["SQL", "'); DROP TABLE \"Step\"; --"],
    ["control characters", "\u0001\u0002\u0007\u001b[31m"],
    ["emoji and combining marks", "🎉 e\u0301 \u202Eevil"],
    ["a lone surrogate", "\uD800 word"],
  ])("answers %s without an error", async (_name, q) => {
    const page = await search({ q });
    expect(page.timedOut).toBe(false);
    expect(Array.isArray(page.rows)).toBe(true);
  });

  it("says there is nothing to search for when the text has no word", async () => {
    expect(await search({ q: "!&|:*() \"\" '' -- <->" })).toMatchObject({ noTerms: true, rows: [] });
  });

  it("treats operators in the text as text, finding the words among them", async () => {
    expect(stepIds(await search({ q: `(${W.inInput}):* & !!` }))).toEqual([ids.input]);
    expect(stepIds(await search({ q: `'${W.inOutput}'` }))).toEqual([ids.output]);
  });

  it("cuts a very long text to its first 200 characters", async () => {
    // Whole, the text would need both words (no call has both); cut, only the first remains.
    expect(stepIds(await search({ q: `${W.inInput} ${"(".repeat(100_000)} ${W.inOutput}` }))).toEqual([ids.input]);
  });

  it("lists everything (filters alone) when the text is empty or blank", async () => {
    expect(stepIds(await search({ q: "   ", agent: agentB }))).toEqual([ids.otherTeam]);
  });
});

describe("indexes", () => {
  const plan = async (sql: Prisma.Sql, bitmapOnly = false) =>
    db.$transaction(async (tx) => {
      // The index route's settings (lib/prompts/log/search.ts searchIndex): only bitmap scans are left.
      if (bitmapOnly) await tx.$queryRaw`SELECT set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true)`;
      const rows = await tx.$queryRaw<{ "QUERY PLAN": string }[]>`EXPLAIN ${sql}`;
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    });

  it("the search reads the documents' GIN index, and their time index serves the log's order", async () => {
    expect(
      await plan(Prisma.sql`SELECT d."stepId" FROM "PromptLogDoc" d WHERE d.doc @@ websearch_to_tsquery('simple'::regconfig, ${W.old})`, true),
    ).toContain(SEARCH_INDEX);
    expect(await plan(Prisma.sql`SELECT d."stepId" FROM "PromptLogDoc" d ORDER BY d."startedAt" DESC, d."stepId" DESC LIMIT 51`)).toContain(TIME_INDEX);
  });

  it("the job reads LLM calls in stored order through the one index it adds to Step", async () => {
    const read = await plan(Prisma.sql`SELECT s.id FROM "Step" s WHERE s.kind = 'LLM_CALL' AND (s."createdAt", s.id) > (${at(0)}, '')
      ORDER BY s."createdAt", s.id LIMIT 500`);
    expect(read).toContain("fd_step_prompt_log_created");
    // And no full-text index on Step: ingestion builds no search entry.
    const onStep = await db.$queryRaw<{ indexdef: string }[]>`SELECT indexdef FROM pg_indexes WHERE tablename = 'Step'`;
    expect(onStep.filter((i) => /gin|tsvector|fd_prompt_log/i.test(i.indexdef))).toEqual([]);
  });

  it("indexes a call with megabytes of distinct words without failing the job (bounded text)", async () => {
    const huge = Array.from({ length: 120_000 }, (_, i) => `tok${i.toString(36)}${suffix}`).join(" "); // ~1.6 MB of lexemes
    const { run, traceId } = await createRun(db, { startedAt: at(-5000) });
    const step = await db.step.create({
      data: { runId: run.id, traceId, spanId: hex(8), kind: "LLM_CALL", name: "chat", startedAt: at(-5000), inputMessages: [{ role: "user", content: `${huge} lasttoken${suffix}` }] },
    });
    await catchUpPromptLog();
    // Its first and last 50,000 characters are searchable.
    expect(stepIds(await search({ q: `tok0${suffix}`, to: at(-4000) }))).toEqual([step.id]);
    expect(stepIds(await search({ q: `lasttoken${suffix}`, to: at(-4000) }))).toEqual([step.id]);
    const row = (await search({ q: `lasttoken${suffix}`, to: at(-4000) })).rows[0]!;
    expect(row.input.messages).toBeNull(); // too large to send to the page whole
    expect(row.input.bytes).toBeGreaterThan(1_000_000);
  });
});

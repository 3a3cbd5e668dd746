/**
 * The Prompt log, as a viewer: two agents' runs ingested over OTLP/JSON, each with an LLM call
 * whose input holds one fresh word and whose output another, then indexed by the prompt_log_index
 * job (run now from Settings › System, as an admin would, instead of waiting for its schedule);
 * the viewer searches the input word (both calls), narrows to one agent, reads the highlighted
 * excerpts and the whole messages, searches the output word, and opens the step on the run's
 * timeline. The page passes axe-core with no serious or critical violation.
 */
import AxeBuilder from "@axe-core/playwright";
import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { otlpRequest, randomSpanId, randomTraceId } from "../tests/factories/otlp";
import { expect, runJobFromSettings, test } from "./fixtures";

const tag = randomBytes(3).toString("hex");
const sentWord = `zephyrin${tag}`;
const gotWord = `quillon${tag}`;
const agents = [`e2e-log-billing-${tag}`, `e2e-log-triage-${tag}`];
const team = `e2e-log-team-${tag}`;

/** One run of `agent`: a root span and one chat call sending `sentWord` and receiving `gotWord`. */
function run(agent: string, minutesAgo: number) {
  const traceId = randomTraceId();
  const root = randomSpanId();
  const start = new Date(Date.now() - minutesAgo * 60_000);
  const at = (ms: number) => new Date(start.getTime() + ms);
  return otlpRequest(
    [
      { traceId, spanId: root, name: `invoke_agent ${agent}`, start, end: at(3000), attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent } },
      {
        traceId,
        parentSpanId: root,
        name: `chat about ${agent}`,
        start: at(100),
        end: at(2500),
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.request.model": "gpt-4o",
          "gen_ai.usage.input_tokens": 900,
          "gen_ai.usage.output_tokens": 120,
          "flightdeck.prompt.name": `e2e-log-prompt-${tag}`,
          "flightdeck.prompt.version": 2,
          "gen_ai.input.messages": JSON.stringify([
            { role: "system", content: "You answer billing questions. <b>Never</b> render HTML." },
            { role: "user", content: `Customer ${agent} asks about invoice 4711 and the ${sentWord} surcharge.` },
          ]),
          "gen_ai.output.messages": JSON.stringify([{ role: "assistant", content: `The ${gotWord} surcharge applies to express orders only.` }]),
        },
      },
    ],
    { "service.name": `${agent}-svc`, "flightdeck.team": team },
  );
}

test.beforeAll(async ({ request, initApiKey, browser }) => {
  for (const [i, agent] of agents.entries()) {
    const res = await request.post("/api/otel/v1/traces", { headers: { Authorization: `Bearer ${initApiKey}` }, data: run(agent, 10 - i) });
    expect(res.status(), await res.text()).toBe(200);
  }
  // A tick that read every call stored before it began: both calls above are searchable after it.
  await runJobFromSettings(browser, "prompt_log_index", /caughtUp: true\.$/);
});

async function search(page: Page, fields: { q?: string; agent?: string }) {
  const form = page.getByRole("search", { name: "Search the prompt log" });
  if (fields.q !== undefined) await form.getByLabel("Search what was sent and what came back").fill(fields.q);
  if (fields.agent !== undefined) await form.getByLabel("Agent").fill(fields.agent);
  await form.getByLabel("Search what was sent and what came back").press("Enter");
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
}

test("a viewer finds what was sent and what came back, narrows to an agent and opens the step on the timeline", async ({ asViewer: page }) => {
  await page.goto("/prompts");
  await page.getByRole("link", { name: "Prompt log: search every LLM call" }).click();
  await expect(page).toHaveURL(/\/prompts\/log$/);
  await expect(page.getByRole("heading", { level: 1, name: "Prompt log" })).toBeVisible();
  await expect(page.getByRole("link", { name: "← Prompts" })).toHaveAttribute("href", "/prompts");

  await search(page, { q: sentWord });
  await expect(page).toHaveURL(new RegExp(`q=${sentWord}`));
  const rows = page.getByTestId("prompt-log-row");
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText(agents[1]!); // newest first
  await expect(rows.first()).toContainText(team);
  await expect(rows.first()).toContainText(`e2e-log-prompt-${tag}@2`);
  await expect(rows.first()).toContainText("900 · 120");

  await search(page, { agent: agents[0] });
  await expect(rows).toHaveCount(1);
  const row = rows.first();
  await expect(row).toContainText(agents[0]!);
  await expect(row.getByTestId("prompt-log-input").locator("mark")).toHaveText(sentWord);
  await expect(row.getByTestId("prompt-log-output")).toContainText(`The ${gotWord} surcharge applies`);

  // The whole messages, as text: markup in a message is shown, never rendered.
  await row.getByText("All messages sent").click();
  await expect(row.getByText("You answer billing questions. <b>Never</b> render HTML.")).toBeVisible();
  await expect(row.locator("b")).toHaveCount(0);

  await expectNoBlockingViolations(page, "the prompt log with results");

  // The output's word finds the same call.
  await search(page, { q: gotWord });
  await expect(rows).toHaveCount(1);
  await expect(rows.first().getByTestId("prompt-log-output").locator("mark")).toHaveText(gotWord);

  const stepId = await rows.first().getAttribute("data-step-id");
  await rows.first().getByRole("link", { name: /^Open step/ }).click();
  await expect(page).toHaveURL(new RegExp(`/runs/c[a-z0-9]+\\?step=${stepId}$`));
  await expect(page.getByTestId("step-detail-name")).toHaveText(`chat about ${agents[0]}`);
  await expect(page.getByRole("option", { selected: true })).toContainText(`chat about ${agents[0]}`);
});

test("no match, nothing to search for and malformed parameters are said plainly", async ({ asViewer: page }) => {
  await page.goto(`/prompts/log?q=${encodeURIComponent(`nomatch${tag}`)}&agent=${encodeURIComponent(agents[0]!)}`);
  await expect(page.getByRole("heading", { name: `No LLM call matches “nomatch${tag}”, agent ${agents[0]}` })).toBeVisible();

  await page.goto(`/prompts/log?q=${encodeURIComponent("!&|:*()")}`);
  await expect(page.getByRole("heading", { name: "Nothing to search for in “!&|:*()”" })).toBeVisible();

  await page.goto(`/prompts/log?q=${sentWord}&version=abc&from=yesterday&cursor=forged`);
  const notice = page.getByTestId("query-notice");
  await expect(notice).toContainText("version");
  await expect(notice).toContainText("from");
  await expect(notice).toContainText("cursor");
  await expect(page.getByTestId("prompt-log-row")).toHaveCount(2); // the valid search still runs
  await expectNoBlockingViolations(page, "the prompt log with notices");
});

const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const BLOCKING = new Set(["serious", "critical"]);

/** As e2e/accessibility.spec.ts: axe on the page as it is, one readable line per serious/critical rule. */
async function expectNoBlockingViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const blocking = results.violations
    .filter((v) => v.impact != null && BLOCKING.has(v.impact))
    .map((v) => `${v.id} [${v.impact}] ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
  expect(blocking, `axe: serious/critical violations on ${label} (${page.url()})`).toEqual([]);
}

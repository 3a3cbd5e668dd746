/**
 * The finance journey on the spend page: spend sent through ingestion shows
 * for the last 30 days by team in the chart and the table, with its unpriced
 * call apart; a row and a bar drill down into the runs; the downloaded CSV's
 * cost column adds up to the total on the page, to the nano-dollar. Plus the
 * range errors and the empty state, and who may download the CSV.
 */
import { readFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import type { APIRequestContext } from "@playwright/test";
import { formatSpendUsd } from "../components/spend/format";
import { parseCsv, sumDecimals } from "../lib/spend/csv";
import { expect, test } from "./fixtures";

const tag = randomBytes(3).toString("hex");
const teamA = `e2e-spend-a-${tag}`;
const teamB = `e2e-spend-b-${tag}`;
const unpricedModel = `e2e-unpriced-${tag}`;
const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/** Two teams' runs through the native ingestion API: priced calls (carried costs) and one unpriced call. */
async function sendSpend(request: APIRequestContext, key: string): Promise<void> {
  const steps: Record<string, unknown>[] = [];
  const at = (daysAgo: number, minute: number) => new Date(Date.now() - daysAgo * 86_400_000 - (60 - minute) * 60_000).toISOString();
  for (const [team, agent, daysAgo, costs] of [
    [teamA, `e2e-spend-bot-a-${tag}`, 2, [0.123456789, 0.5]],
    [teamB, `e2e-spend-bot-b-${tag}`, 1, [0.000000001]],
  ] as const) {
    const traceId = hex(16);
    const root = hex(8);
    const who = { agent, team };
    steps.push({ traceId, spanId: root, kind: "agent", name: `Spend e2e ${team}`, startedAt: at(daysAgo, 0), endedAt: at(daysAgo, 10), ...who });
    costs.forEach((costUsd, i) =>
      steps.push({ traceId, spanId: hex(8), parentSpanId: root, kind: "llm_call", name: `call ${i}`, startedAt: at(daysAgo, 1 + i), model: "e2e-house-model", inputTokens: 100, outputTokens: 10, costUsd, ...who }),
    );
    if (team === teamA) {
      steps.push({ traceId, spanId: hex(8), parentSpanId: root, kind: "llm_call", name: "no price", startedAt: at(daysAgo, 5), model: unpricedModel, inputTokens: 7, outputTokens: 1, ...who });
    }
  }
  const res = await request.post("/api/v1/ingest", { headers: { Authorization: `Bearer ${key}` }, data: { steps } });
  expect(res.status()).toBe(200);
  expect((await res.json()).rejected.steps).toBe(0);
}

test("finance reads the last 30 days by team, drills into runs and downloads a CSV that adds up to the page", async ({ asFinance: page, request, initApiKey }) => {
  await sendSpend(request, initApiKey);

  await page.goto("/spend");
  await expect(page.getByRole("heading", { name: "Spend", level: 1 })).toBeVisible();
  await expect(page.getByText(/Days are UTC days/)).toBeVisible();
  await page.getByRole("navigation", { name: "Date range presets" }).getByRole("link", { name: "Last 30 days" }).click();
  await expect(page.getByRole("link", { name: "Last 30 days", exact: true })).toHaveAttribute("aria-current", "true");
  const form = page.getByRole("search", { name: "Spend view" });
  await form.getByLabel("Group by").selectOption("team");
  await form.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/\/spend\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}&groupBy=team$/);

  // The table, the chart and the unpriced call shown apart.
  const table = page.getByTestId("spend-table");
  const rowA = table.getByTestId("spend-row").filter({ hasText: teamA });
  await expect(rowA).toContainText("$0.62");
  await expect(rowA).toContainText("1 unpriced");
  await expect(rowA).toContainText("+ unpriced");
  await expect(table.getByTestId("spend-row").filter({ hasText: teamB })).toContainText("< $0.0001");
  await expect(page.getByTestId("spend-chart").locator(".recharts-bar-rectangle").first()).toBeVisible();
  await expect(page.getByTestId("unpriced-notice")).toContainText(unpricedModel);
  await expect(page.getByTestId("unpriced-notice")).toContainText("their cost is not included");
  await expect(page.getByTestId("cost-per-outcome")).toContainText("Cost per successful run");

  // The CSV of this view: its cost column sums exactly to the page's total.
  const total = page.getByTestId("spend-total");
  const exactTotal = await total.getAttribute("data-cost-usd");
  expect(exactTotal).toMatch(/^\d+\.\d{9}$/);
  await expect(total).toHaveText(formatSpendUsd(Number(exactTotal)));
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-csv").click()]);
  expect(download.suggestedFilename()).toMatch(/^flightdeck-spend-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}-by-team\.csv$/);
  const [header, ...lines] = parseCsv(await readFile((await download.path())!, "utf8"));
  expect(header).toEqual(["key", "calls", "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", "unpricedCalls"]);
  expect(sumDecimals(lines.map((l) => l[5]!))).toBe(exactTotal);
  expect(lines.find((l) => l[0] === teamA)).toEqual([teamA, "3", "207", "21", "0", "0.623456789", "1"]);
  expect(lines.length).toBe(await table.getByTestId("spend-row").count());

  // A row drills down to its runs.
  const view = new URL(page.url()).searchParams;
  await rowA.getByTestId("spend-row-link").click();
  await expect(page).toHaveURL(/\/runs\?/);
  expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ team: teamA, from: view.get("from"), to: view.get("to") });
  await expect(page.getByTestId("run-row")).toHaveCount(1);
  await expect(page.getByTestId("run-row")).toContainText(`Spend e2e ${teamA}`);

  // And so does a bar: the runs of its day (and team).
  await page.goBack();
  await page.getByTestId("spend-chart").locator(".recharts-bar-rectangle path").first().click();
  await expect(page).toHaveURL(/\/runs\?/);
  const drilled = new URL(page.url()).searchParams;
  expect(drilled.get("from")).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  expect(drilled.get("to")).toBe(drilled.get("from"));
});

test("an invalid range is refused at its field, and an empty range says so", async ({ asFinance: page }) => {
  await page.goto("/spend?from=2026-03-10&to=2026-03-01&groupBy=team");
  await expect(page.getByTestId("spend-range-error")).toContainText("before the start");
  const to = page.getByLabel("To (UTC day)");
  await expect(to).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("spend-table")).toHaveCount(0);

  await page.goto("/spend?from=2020-01-01&to=2026-01-01");
  await expect(page.getByTestId("spend-range-error")).toContainText("at most 366");
  await page.goto("/spend?from=2026-02-31");
  await expect(page.getByTestId("spend-range-error")).toContainText("Not a calendar date");

  await page.goto("/spend?from=2001-01-01&to=2001-01-31");
  await expect(page.getByRole("heading", { name: "No spend in this range" })).toBeVisible();
});

test("every role with spend:read downloads the CSV with its session; signed out it is refused", async ({ asAdmin, asOps, asCompliance, asFinance, asViewer, request }) => {
  for (const page of [asAdmin, asOps, asCompliance, asFinance, asViewer]) {
    await page.goto("/spend?groupBy=model");
    await expect(page.getByRole("heading", { name: "You don’t have access to this page" })).toHaveCount(0);
    const res = await page.request.get("/spend/export.csv?groupBy=model");
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toBe("text/csv; charset=utf-8");
    expect((await res.text()).startsWith("key,calls,")).toBe(true);
  }
  const signedOut = await request.get("/spend/export.csv", { maxRedirects: 0 });
  expect(signedOut.status()).toBeGreaterThanOrEqual(300);
  expect(signedOut.status()).toBeLessThan(500);
  expect(await signedOut.text()).not.toContain("key,calls,");
  expect((await request.get("/api/v1/spend.csv")).status()).toBe(401);
});

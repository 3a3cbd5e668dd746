/**
 * Malformed query strings on console pages are ignored filters with a notice
 * naming them, never a 500 or the error page.
 */
import { withE2eDb } from "./support/db";
import { expect, test } from "./fixtures";
import { hex, insertRun } from "../tests/factories/runs-sql";

let runId = "";
test.beforeAll(async () => {
  runId = (await withE2eDb((client) => insertRun(client, { name: `Query ${hex(3)}`, steps: [{ kind: "LLM_CALL", name: "answer" }] }))).id;
});

const year275760 = "275760-09-13";

test("the runs list names each ignored filter and still lists runs", async ({ asCompliance: page }) => {
  for (const [query, name, reason] of [
    ["from=0000-01-01", "from", "not a date from 1970 to 9999"],
    [`to=${year275760}`, "to", "not a date"],
    ["agent=planner%00", "agent", "contains a NUL character"],
    [`q=${"x".repeat(5000)}`, "q", "longer than 200 characters"],
    ["cursor=not-a-cursor", "cursor", "not a page link of this list"],
    ["status=EXPLODED", "status", "not one of"],
  ] as const) {
    const res = await page.goto(`/runs?${query}`);
    expect(res?.status(), query).toBe(200);
    await expect(page.getByRole("status").filter({ hasText: "Ignored the filter" })).toContainText(`Ignored the filter ${name}: ${reason}`);
    await expect(page.getByTestId("run-total")).toBeVisible();
  }
});

test("the audit log names ignored filters, including a 'before' beyond PostgreSQL's bigint", async ({ asCompliance: page }) => {
  for (const [query, name] of [
    ["from=0000-01-01", "from"],
    [`to=${year275760}`, "to"],
    ["q=%00", "q"],
    ["before=99999999999999999999999", "before"],
    ["before=abc", "before"],
  ] as const) {
    const res = await page.goto(`/audit?${query}`);
    expect(res?.status(), query).toBe(200);
    await expect(page.getByRole("status").filter({ hasText: "Ignored the filter" })).toContainText(`Ignored the filter ${name}:`);
    await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  }
});

test("a run page with a step that is not the run's says so and opens the timeline", async ({ asOps: page }) => {
  for (const step of ["%00", "x".repeat(3000), "cdoesnotexist00000000000000"]) {
    const res = await page.goto(`/runs/${runId}?step=${step}`);
    expect(res?.status()).toBe(200);
    await expect(page.getByRole("status").filter({ hasText: "Ignored the parameter" })).toContainText("Ignored the parameter step: not a step of this run");
    await expect(page.getByTestId("step-row").first()).toBeVisible();
  }
});

/**
 * Every page passes axe-core (WCAG 2.0/2.1 A and AA) with no serious or
 * critical violation, for every role: the sections `navFor(role)` opens (so a
 * new section is covered as soon as it is in NAV_ITEMS), a run's detail page
 * with a step selected, the spend page's other states (grouped, a refused
 * range, an empty range), the 403 page of a section the role may not open, and
 * the login page signed out. One browser context per role, signed in once and
 * reused across its pages (tests of a file run in order in one worker; a failed
 * test only costs a new sign-in, and every page still gets checked).
 */
import AxeBuilder from "@axe-core/playwright";
import type { BrowserContext, Page } from "@playwright/test";
import { NAV_ITEMS, navFor, ROLE_LABELS, ROLES, type Role } from "../lib/rbac";
import { E2E_API_KEY } from "./constants";
import { credentials, expect, signIn, test } from "./fixtures";

const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const BLOCKING = new Set(["serious", "critical"]);
const DENIED = "You don’t have access to this page";

/** Waits for the page's own content (its h1 inside main, nothing still streaming), never a fixed sleep. */
async function waitForContent(page: Page): Promise<void> {
  await expect(page.getByRole("main").getByRole("heading", { level: 1 }).first()).toBeVisible();
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
}

/** Runs axe on the page as it is and fails with one readable line per serious/critical rule. */
async function expectNoBlockingViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const blocking = results.violations
    .filter((v) => v.impact != null && BLOCKING.has(v.impact))
    .map((v) => {
      const targets = v.nodes.slice(0, 3).map((n) => n.target.join(" "));
      const more = v.nodes.length > 3 ? ` (+${v.nodes.length - 3} more)` : "";
      const why = v.nodes[0]?.any[0]?.message ?? v.nodes[0]?.all[0]?.message ?? "";
      return `${v.id} [${v.impact}] ${v.help} — ${targets.join(" | ")}${more}${why ? ` — ${why}` : ""}`;
    });
  expect(blocking, `axe: serious/critical violations on ${label} (${page.url()})`).toEqual([]);
}

test.describe("signed out", () => {
  test("the login page", async ({ page }) => {
    await page.goto("/login");
    await waitForContent(page);
    await expectNoBlockingViolations(page, "/login");
  });
});

for (const role of ROLES as readonly Role[]) {
  const sections = navFor(role);
  const denied = NAV_ITEMS.find((item) => !sections.some((s) => s.href === item.href));
  const mayReadRuns = sections.some((s) => s.href === "/runs");
  const mayReadSpend = sections.some((s) => s.href === "/spend");

  test.describe(`as ${ROLE_LABELS[role]}`, () => {
    let context: BrowserContext;
    let page: Page;

    test.beforeAll(async ({ browser }) => {
      context = await browser.newContext();
      page = await context.newPage();
      const user = credentials(role);
      await signIn(page, user.email, user.password);
    });
    test.afterAll(async () => {
      await context?.close();
    });

    // Every role's own Profile page (password, sessions) sits outside the navigation.
    for (const section of [...sections, { href: "/profile", label: "Profile" }]) {
      test(`${section.label} (${section.href})`, async () => {
        await page.goto(section.href);
        await waitForContent(page);
        await expect(page.getByRole("heading", { name: DENIED })).toHaveCount(0);
        await expectNoBlockingViolations(page, section.href);
      });
    }

    if (mayReadRuns) {
      test("a run's detail page, then with a step selected", async () => {
        await page.goto("/runs");
        await waitForContent(page);
        const first = page.getByTestId("run-row").first().getByRole("link").first();
        const href = await first.getAttribute("href");
        expect(href, "the Runs page lists a demo run").toMatch(/^\/runs\/[^/?]+$/);
        await page.goto(href!);
        await waitForContent(page);
        await expect(page.getByTestId("waterfall")).toBeVisible();
        await expectNoBlockingViolations(page, "/runs/<id>");

        await page.getByTestId("step-row").first().click();
        await expect(page.getByTestId("step-detail")).toBeVisible();
        await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
        await expectNoBlockingViolations(page, "/runs/<id>?step=<id>");
      });
    }

    if (mayReadSpend) {
      // The default view is checked with the sections above; these are its other states.
      for (const href of ["/spend?groupBy=team", "/spend?groupBy=prompt", "/spend?from=2026-03-10&to=2026-03-01", "/spend?from=2001-01-01&to=2001-01-31"]) {
        test(`the spend page ${href}`, async () => {
          await page.goto(href);
          await waitForContent(page);
          await expectNoBlockingViolations(page, href);
        });
      }
    }

    // Pages every role may read off the navigation: a demo prompt (labels, drift chart, history), the
    // prompt log (the demo's LLM calls, listed), an agent; and a change below.
    for (const href of ["/prompts/invoice-reconcile", "/prompts/log", "/agents/invoice-reconciler"]) {
      test(`the detail page ${href}`, async () => {
        await page.goto(href);
        await waitForContent(page);
        await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
        await expectNoBlockingViolations(page, href);
      });
    }
    if (sections.some((s) => s.href === "/escalations")) {
      test("the escalation pages: one escalation, the history, the policies", async ({ request }) => {
        const agent = `axe-agent-${role.toLowerCase()}-${Date.now().toString(36)}`;
        const auth = { Authorization: `Bearer ${E2E_API_KEY}` };
        const policy = await request.post("/api/v1/policies", { headers: auth, data: { name: `axe ${agent}`, agent: null, toolPattern: `axe.${agent}` } });
        expect(policy.status()).toBe(201);
        const asked = await request.post("/api/v1/escalations", { headers: auth, data: { agent, tool: `axe.${agent}`, arguments: { amount: 1 }, reason: "accessibility check" } });
        const { id } = (await asked.json()) as { id: string };
        for (const href of [`/escalations/${id}`, "/escalations/history", "/escalations/policies"]) {
          await page.goto(href);
          await waitForContent(page);
          await expectNoBlockingViolations(page, href.replace(id, "<id>"));
        }
      });
    }
    test("a change's page", async () => {
      await page.goto("/changes");
      await waitForContent(page);
      const href = await page.locator('[data-testid^="change-row-"] a').first().getAttribute("href");
      expect(href, "the Changes page lists a demo change").toMatch(/^\/changes\/c[a-z0-9]+$/);
      await page.goto(href!);
      await waitForContent(page);
      await expectNoBlockingViolations(page, "/changes/<id>");
    });

    if (denied) {
      test(`the 403 page (${denied.href})`, async () => {
        await page.goto(denied.href);
        await expect(page.getByRole("heading", { name: DENIED })).toBeVisible();
        await waitForContent(page);
        await expectNoBlockingViolations(page, `403 on ${denied.href}`);
      });
    }
  });
}

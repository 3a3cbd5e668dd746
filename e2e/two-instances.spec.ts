/**
 * No stale prompt on any instance: with two app instances on one database
 * (as README "Scaling out" runs them), a label approved on one instance is
 * served by the other on the very next request, and a rollback on the other
 * is served back by the first, even to a client that revalidates with the old
 * ETag. No instance caches labels; this is the test that would catch one.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { APIRequestContext } from "@playwright/test";
import { E2E_PORT } from "../tests/test-database";
import { E2E_API_KEY, E2E_AUTH_SECRET } from "./constants";
import { expect, test } from "./fixtures";
import { e2eDatabaseUrl } from "./support/db";

const A = `http://localhost:${E2E_PORT}`;
const SECOND_PORT = E2E_PORT + 1;
const B = `http://localhost:${SECOND_PORT}`;
let second: ChildProcess | null = null;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  // The build the first instance runs (the database is migrated and seeded already): `next start`, no rebuild.
  second = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(SECOND_PORT)], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: e2eDatabaseUrl(),
      AUTH_SECRET: E2E_AUTH_SECRET,
      AUTH_URL: B,
      NEXT_DIST_DIR: process.env.NEXT_DIST_DIR ?? ".next",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  second.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  second.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 150_000;
  for (;;) {
    const ready = await fetch(`${B}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline || second.exitCode !== null) throw new Error(`the second instance did not start:\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
});

test.afterAll(async () => {
  if (second?.pid) {
    try {
      process.kill(-second.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
});

async function served(request: APIRequestContext, base: string, name: string, etag?: string): Promise<{ version: number; etag: string }> {
  const response = await request.get(`${base}/api/v1/prompts/${name}?label=production`, {
    headers: { Authorization: `Bearer ${E2E_API_KEY}`, ...(etag ? { "If-None-Match": etag } : {}) },
  });
  expect(response.status(), `${base} answered ${response.status()}`).toBe(200);
  return { version: ((await response.json()) as { version: number }).version, etag: response.headers()["etag"]! };
}

test("a label approved on one instance and rolled back on the other is served at once by both", async ({ asCompliance: compliance, asOps: ops, request }) => {
  const name = `e2e-two-${randomBytes(3).toString("hex")}`;
  const auth = { Authorization: `Bearer ${E2E_API_KEY}` };
  for (const template of ["one", "two"]) {
    expect((await request.post(`${A}/api/v1/prompts/${name}/versions`, { headers: auth, data: { template, message: template } })).status()).toBe(201);
  }
  const approveOn = async (base: string, version: number) => {
    const response = await request.post(`${A}/api/v1/prompts/${name}/labels`, { headers: auth, data: { label: "production", version, reason: `v${version}` } });
    expect(response.status()).toBe(202);
    const { change } = (await response.json()) as { change: { id: string } };
    await compliance.goto(`${base}/changes/${change.id}`);
    const form = compliance.getByRole("form", { name: "Decide this change" });
    await form.getByLabel("Comment").fill("ok");
    await form.getByRole("button", { name: "Approve and apply" }).click();
    await expect(compliance.getByRole("status").filter({ hasText: "Approved and applied" })).toBeVisible();
    return change.id;
  };

  await approveOn(A, 1);
  // Both instances serve v1; the clients keep its ETag.
  const onA = await served(request, A, name);
  const onB = await served(request, B, name);
  expect([onA.version, onB.version]).toEqual([1, 1]);
  expect(onB.etag).toBe(onA.etag);

  // Approved on B: A serves v2 on the next request, even to a client revalidating with v1's ETag.
  const change = await approveOn(B, 2);
  expect((await served(request, A, name, onA.etag)).version).toBe(2);
  const v2OnB = await served(request, B, name, onB.etag);
  expect(v2OnB.version).toBe(2);

  // Rolled back on A: B serves v1 again on the next request.
  await ops.goto(`${A}/changes/${change}`);
  const rollback = ops.getByRole("form", { name: "Roll back this change" });
  await rollback.getByLabel("Reason for the rollback").fill("incident");
  await rollback.getByRole("button", { name: "Roll back", exact: true }).click();
  await ops.getByRole("dialog", { name: "Roll back this change?" }).getByRole("button", { name: "Roll back now" }).click();
  await expect(ops.getByRole("status").filter({ hasText: "Rolled back" })).toBeVisible();
  const afterB = await served(request, B, name, v2OnB.etag);
  expect(afterB.version).toBe(1);
  expect(afterB.etag).toBe(onB.etag);
  expect((await served(request, A, name)).version).toBe(1);
});

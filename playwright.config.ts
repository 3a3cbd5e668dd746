import { defineConfig } from "@playwright/test";
import { findChromium } from "./scripts/lib/chromium";
import { E2E_DATABASE, E2E_PORT, TEST_PG_DIR, TEST_PG_PORT } from "./tests/test-database";
import { E2E_AGENT_PORT, E2E_API_KEY, E2E_AUTH_SECRET, E2E_OIDC } from "./e2e/constants";

const baseURL = `http://localhost:${E2E_PORT}`;

export default defineConfig({
  testDir: "e2e",
  workers: 1, // two cores: one browser at a time, plus the server
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["json", { outputFile: "test-results/e2e.json" }]],
  globalSetup: "./e2e/global-setup.ts",
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: findChromium() ?? undefined,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    // The real start path: embedded PostgreSQL, migrations, seed, build, next start.
    command: "npx tsx scripts/start.ts",
    url: `${baseURL}/api/health`,
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
    env: {
      DATABASE_URL: "",
      PORT: String(E2E_PORT),
      AGENT_PORT: String(E2E_AGENT_PORT),
      EMBEDDED_PG_DIR: TEST_PG_DIR,
      EMBEDDED_PG_PORT: String(TEST_PG_PORT),
      EMBEDDED_PG_DATABASE: E2E_DATABASE,
      FLIGHTDECK_RESET_DATABASE: "1",
      AUTH_SECRET: E2E_AUTH_SECRET,
      AUTH_URL: baseURL,
      INIT_API_KEY: E2E_API_KEY,
      OIDC_ISSUER: E2E_OIDC.issuer,
      OIDC_CLIENT_ID: E2E_OIDC.clientId,
      OIDC_CLIENT_SECRET: E2E_OIDC.clientSecret,
      OIDC_NAME: E2E_OIDC.name,
      NEXT_DIST_DIR: process.env.NEXT_DIST_DIR ?? ".next",
    },
  },
});

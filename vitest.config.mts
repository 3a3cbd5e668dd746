import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = {
  "@": path.resolve(import.meta.dirname),
  // Server modules guard against client bundles with `server-only`; tests run on the server side.
  "server-only": path.resolve(import.meta.dirname, "node_modules/server-only/empty.js"),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          environment: "node",
          include: ["{lib,components,app,scripts,prisma}/**/*.test.{ts,tsx}", "sdk/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "node_modules/**"],
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          environment: "node",
          include: ["{lib,app,scripts,prisma,tests}/**/*.int.test.ts"],
          globalSetup: ["tests/integration-global-setup.ts"],
          setupFiles: ["tests/integration-setup.ts"],
          // One database: files run one after another, tests inside a file may use concurrency.
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});

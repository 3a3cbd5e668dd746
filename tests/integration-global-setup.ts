// Starts (or attaches to) the test cluster, recreates the integration database
// and applies the migrations, once per `vitest run`.
import type { TestProject } from "vitest/node";
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedPostgres } from "../scripts/lib/embedded-postgres";
import { migrateDeploy } from "../scripts/lib/prisma-cli";
import { INTEGRATION_DATABASE, TEST_PG_DIR, TEST_PG_PORT } from "./test-database";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    adminDatabaseUrl: string;
  }
}

let pg: EmbeddedPostgres | undefined;

export async function setup(project: TestProject) {
  pg = await startEmbeddedPostgres({ dataDir: TEST_PG_DIR, port: TEST_PG_PORT });
  await ensureDatabase(pg.url("postgres"), INTEGRATION_DATABASE, { fresh: true });
  const url = pg.url(INTEGRATION_DATABASE);
  await migrateDeploy(url, true);
  project.provide("databaseUrl", url);
  project.provide("adminDatabaseUrl", pg.url("postgres"));
}

export async function teardown() {
  await pg?.stop();
}

/**
 * Direct access to the end-to-end database, for arranging fixtures and for
 * tests that must act like an attacker with database access (audit tampering).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { E2E_DATABASE, TEST_PG_DIR, TEST_PG_PORT } from "../../tests/test-database";

export function e2eDatabaseUrl(): string {
  const password = readFileSync(path.resolve(TEST_PG_DIR, "postgres-password"), "utf8").trim();
  return `postgresql://flightdeck:${encodeURIComponent(password)}@127.0.0.1:${TEST_PG_PORT}/${E2E_DATABASE}`;
}

export async function withE2eDb<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: e2eDatabaseUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

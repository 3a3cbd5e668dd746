/**
 * The migrations produce exactly prisma/schema.prisma: (1) the schema has no
 * change that lacks a migration, and (2) a database built by the migrations
 * has the same tables, columns, indexes, constraints and enums as one built
 * straight from the schema. Hand-written objects named fd_* are left out.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ensureDatabase } from "@/scripts/lib/embedded-postgres";
import { migrateDeploy, runPrisma } from "@/scripts/lib/prisma-cli";

const adminUrl = inject("adminDatabaseUrl");
const urlFor = (name: string) => {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
};
const FROM_MIGRATIONS = "fd_check_migrations";
const FROM_SCHEMA = "fd_check_schema";

async function catalog(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const q = async (sql: string) => (await client.query(sql)).rows.map((r) => Object.values(r).join(" | ")).sort();
    return {
      columns: await q(`
        SELECT table_name, column_name, data_type, udt_name, is_nullable, coalesce(column_default, ''),
               coalesce(character_maximum_length, 0), coalesce(numeric_precision, 0), coalesce(numeric_scale, 0)
        FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`),
      indexes: await q(`
        SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' AND indexname NOT LIKE 'fd\\_%'`),
      constraints: await q(`
        SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text NOT IN ('_prisma_migrations', '"_prisma_migrations"')
          AND conname NOT LIKE 'fd\\_%'`),
      enums: await q(`
        SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_type t
        JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`),
    };
  }
  finally {
    await client.end();
  }
}

beforeAll(async () => {
  await ensureDatabase(adminUrl, FROM_MIGRATIONS, { fresh: true });
  await ensureDatabase(adminUrl, FROM_SCHEMA, { fresh: true });
});

afterAll(async () => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${FROM_MIGRATIONS} WITH (FORCE)`);
  await client.query(`DROP DATABASE IF EXISTS ${FROM_SCHEMA} WITH (FORCE)`);
  await client.end();
});

describe("migrations", () => {
  it("cover every change in prisma/schema.prisma (run `npm run db:migration -- <name>` if this fails)", async () => {
    const diff = await runPrisma(
      ["migrate", "diff", "--from-schema-datamodel", "prisma/migrations/schema.snapshot", "--to-schema-datamodel", "prisma/schema.prisma", "--script"],
      urlFor(FROM_SCHEMA),
      { capture: true },
    );
    expect(diff.trim()).toBe("-- This is an empty migration.");
  });

  it("build exactly the database the schema describes", async () => {
    await migrateDeploy(urlFor(FROM_MIGRATIONS), true);
    const sql = await runPrisma(
      ["migrate", "diff", "--from-empty", "--to-schema-datamodel", "prisma/schema.prisma", "--script"],
      urlFor(FROM_SCHEMA),
      { capture: true },
    );
    const client = new pg.Client({ connectionString: urlFor(FROM_SCHEMA) });
    await client.connect();
    await client.query(sql);
    await client.end();

    const [fromMigrations, fromSchema] = await Promise.all([catalog(urlFor(FROM_MIGRATIONS)), catalog(urlFor(FROM_SCHEMA))]);
    expect(fromMigrations.columns.length).toBeGreaterThan(100);
    expect(fromMigrations).toEqual(fromSchema);
  });
});

/**
 * Migrations without `prisma migrate dev` (which needs the native engine):
 *   npm run db:migrate              apply pending migrations (DATABASE_URL or the embedded database)
 *   npm run db:migration -- <name>  write prisma/migrations/<timestamp>_<name>/migration.sql
 *                                   from the diff between the schema at the last migration
 *                                   (prisma/migrations/schema.snapshot) and prisma/schema.prisma
 */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { runPrisma, migrateDeploy } from "./lib/prisma-cli";
import { withDatabase } from "./lib/database";

const SNAPSHOT = "prisma/migrations/schema.snapshot";

async function newMigration(name: string, databaseUrl: string) {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error("Name the migration in snake_case, e.g. `npm run db:migration -- add_budgets`.");
  const from = existsSync(SNAPSHOT) ? ["--from-schema-datamodel", SNAPSHOT] : ["--from-empty"];
  const sql = await runPrisma(
    ["migrate", "diff", ...from, "--to-schema-datamodel", "prisma/schema.prisma", "--script"],
    databaseUrl,
    { capture: true },
  );
  if (!sql.trim() || /^-- This is an empty migration\.\s*$/.test(sql.trim())) {
    console.log("The schema has not changed since the last migration; nothing to write.");
    return;
  }
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const dir = path.join("prisma/migrations", `${stamp}_${name}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "migration.sql"), sql);
  await copyFile("prisma/schema.prisma", SNAPSHOT);
  if (!existsSync("prisma/migrations/migration_lock.toml")) {
    await writeFile("prisma/migrations/migration_lock.toml", 'provider = "postgresql"\n');
  }
  console.log(`Wrote ${dir}/migration.sql — review it, add any hand-written SQL (named fd_*), and commit.`);
}

async function main() {
  const [command, name] = process.argv.slice(2);
  await withDatabase(async (url) => {
    if (command === "deploy") await migrateDeploy(url);
    else if (command === "new") await newMigration(name ?? "", url);
    else throw new Error("Usage: tsx scripts/migrate.ts deploy | new <name>");
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

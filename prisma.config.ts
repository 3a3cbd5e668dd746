// Configuration for the Prisma CLI (generate, migrate). The application itself
// connects through lib/db/index.ts.
import { defineConfig } from "prisma/config";
import { migrateAdapter } from "./prisma/migrate-adapter";

// Without a URL the CLI falls back to the native engine and tries to download it.
process.env.DATABASE_URL ??= "postgresql://placeholder@127.0.0.1:1/placeholder";

export default defineConfig({
  schema: "prisma/schema.prisma",
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => migrateAdapter(process.env.DATABASE_URL!),
});

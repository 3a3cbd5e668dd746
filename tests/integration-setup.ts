// Each integration test file talks to the freshly migrated test database.
import { afterAll, inject } from "vitest";
import { disconnectDb } from "@/lib/db";

process.env.DATABASE_URL = inject("databaseUrl");

afterAll(async () => {
  await disconnectDb();
});

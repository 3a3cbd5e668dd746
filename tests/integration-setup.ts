// Each integration test file talks to the freshly migrated test database.
import { afterAll, inject } from "vitest";
import { disconnectDb } from "@/lib/db";
import { closeNotifications } from "@/lib/db/notifications";

process.env.DATABASE_URL = inject("databaseUrl");

afterAll(async () => {
  // The API key cache listens through the hub: close its connection with the pool's.
  await closeNotifications();
  await disconnectDb();
});

/**
 * The periodic job that forgets sign-in state nobody needs any more: throttle
 * rows past every key's memory, and Session rows that ended (expired or
 * revoked) more than SESSION_RETENTION_DAYS ago. Kept that long so an admin
 * investigating an account can still see its recent sessions. To be listed in
 * lib/jobs/registry.ts.
 */
import { db } from "@/lib/db";
import { defineJob } from "@/lib/jobs/define";
import { deleteStaleThrottleRows } from "./throttle";

export const SESSION_RETENTION_DAYS = 30;

export async function deleteEndedSessions(now: Date): Promise<number> {
  const before = new Date(now.getTime() - SESSION_RETENTION_DAYS * 24 * 60 * 60_000);
  const { count } = await db.session.deleteMany({ where: { OR: [{ expiresAt: { lt: before } }, { revokedAt: { lt: before } }] } });
  return count;
}

export const authCleanupJob = defineJob({
  name: "auth_cleanup",
  description: `Deletes sign-in throttle entries nobody has failed on for an hour, and sessions that ended over ${SESSION_RETENTION_DAYS} days ago.`,
  intervalMs: 15 * 60_000,
  async run({ now }) {
    const throttleRows = await deleteStaleThrottleRows(now);
    const sessions = await deleteEndedSessions(now);
    return { throttleRows, sessions };
  },
});

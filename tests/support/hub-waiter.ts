/**
 * A second app process for lib/db/notifications.int.test.ts: LISTENs, says
 * so on stdout, waits for one key, prints how the wait ended, and exits.
 *   tsx tests/support/hub-waiter.ts <channel> <key> <timeoutMs>   (DATABASE_URL in env)
 * Output: one JSON line `{"ready":true}`, then one JSON line with the WaitResult and `waitedMs`.
 */
import { closeNotifications, ready, waitFor } from "@/lib/db/notifications";

async function main() {
  const [channel = "", key = "", timeout = ""] = process.argv.slice(2);
  await ready(channel);
  console.log(JSON.stringify({ ready: true }));
  const started = performance.now();
  const result = await waitFor(channel, key, { timeoutMs: Number(timeout) });
  console.log(JSON.stringify({ ...result, waitedMs: Math.round(performance.now() - started) }));
  await closeNotifications();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

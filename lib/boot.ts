/** Server boot: validate the environment (naming any bad variable), then INIT_* setup, then the periodic jobs. */
import { EnvError, readEnv } from "@/lib/env";

export async function boot(): Promise<void> {
  try {
    readEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`[flightdeck] ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  if (!process.env.DATABASE_URL) return;
  const { runBootstrap } = await import("@/lib/bootstrap");
  try {
    await runBootstrap();
  } catch (error) {
    console.error("[flightdeck] headless setup (INIT_*) failed:", error);
  }
  // Periodic jobs (lib/jobs/registry.ts: the stall sweep, …): one timer each per instance, each tick run by one instance.
  const { startJobs } = await import("@/lib/jobs/scheduler");
  try {
    startJobs();
  } catch (error) {
    console.error("[flightdeck] periodic jobs did not start:", error);
  }
}

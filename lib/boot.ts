/** Server boot: validate the environment (naming any bad variable), then INIT_* setup. */
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
  // Periodic stall sweep (runs with no new step past their agent's threshold); safe on several instances.
  const [{ startStallSweep }, { getDb }] = await Promise.all([import("@/lib/runs/stalls"), import("@/lib/db")]);
  startStallSweep(getDb);
}

/**
 * The agent listener: with `AGENT_PORT` set, `npm start` serves the agent-facing
 * hot paths — the budget check and reservations — on that port too, from the
 * same route handlers as the console's port, on a plain Node HTTP server beside
 * Next.js rather than through its request pipeline (which costs ~2 ms of CPU
 * per request and sets the tail at 200 agents: bench/README.md, Spend). The
 * periodic jobs stay in the Next.js process; this one shares the database,
 * and the notification hub keeps its key and agent-status caches in step.
 * Run with `node --conditions=react-server --import tsx` (scripts/start.ts does).
 */
import { disconnectDb } from "@/lib/db";
import { EnvError, readEnv } from "@/lib/env";
import { handleAgentRoute } from "./lib/agent-routes";
import { serveRoutes } from "./lib/route-server";

function main(): void {
  let port: number | undefined;
  try {
    port = readEnv().AGENT_PORT;
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`[flightdeck] ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  if (!port) {
    console.error("[flightdeck] the agent listener needs AGENT_PORT.");
    process.exit(1);
  }
  const server = serveRoutes(handleAgentRoute, { port, host: process.env.AGENT_HOST || undefined });
  server.on("listening", () => console.log(`[flightdeck] agent listener on port ${port} (budget check and reservations)`));
  server.on("error", (error) => {
    console.error(`[flightdeck] the agent listener could not listen on port ${port}:`, error.message);
    process.exit(1);
  });
  const stop = () => {
    server.close(() => void disconnectDb().finally(() => process.exit(0)));
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main();

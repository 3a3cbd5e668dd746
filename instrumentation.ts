// Runs once when a server instance boots. The Node-only work (environment
// validation, INIT_* headless setup) lives in lib/boot.ts.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { boot } = await import("@/lib/boot");
    await boot();
  }
}

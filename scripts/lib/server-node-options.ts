/**
 * NODE_OPTIONS for the app server, shared by `npm start` and the benchmarks so
 * they measure what users run. A larger V8 young generation: ingestion
 * allocates ~1 MB of short-lived objects per 1,000-span request, and with the
 * default the server spends a tenth of its CPU in scavenges (bench/README.md:
 * +7% spans/s). An operator's own --max-semi-space-size is kept.
 */
export function serverNodeOptions(current = process.env.NODE_OPTIONS ?? ""): string {
  return current.includes("--max-semi-space-size") ? current : `${current} --max-semi-space-size=64`.trim();
}

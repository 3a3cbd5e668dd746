/**
 * The client address the sign-in throttle keys on.
 *
 * A Web `Request` (what Auth.js hands to `authorize`) carries no socket, so
 * the address comes from `X-Forwarded-For`. Next.js's own server fills that
 * header from the socket only when the request has none (`??=`), and a
 * reverse proxy appends the address it saw. Hence:
 * - `TRUST_PROXY=1` (behind a proxy that sets the header): the first hop, the
 *   original client as the proxy chain reports it;
 * - otherwise the last entry: the socket (Next.js filled it) on a direct
 *   connection, or what the nearest proxy appended. A direct client that sends
 *   its own header picks its key; that only spreads its own attempts, which
 *   the per-account delay and the global ceiling still bound.
 */
export function clientAddress(headers: Headers, trustProxy: boolean): string {
  const hops = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean);
  const hop = trustProxy ? hops[0] : hops.at(-1);
  // Bounded: the key is stored, and a header can be long.
  return (hop ?? "unknown").slice(0, 64).toLowerCase();
}

/**
 * Where to go after sign-in: only a path on this site, never another origin.
 * The proxy sends absolute URLs (`http://host/audit`): keep their path only.
 */
export function safeCallback(value: FormDataEntryValue | null): string {
  if (typeof value !== "string" || !value) return "/";
  let target: URL;
  try {
    target = new URL(value, "http://flightdeck.invalid");
  } catch {
    return "/";
  }
  const path = `${target.pathname}${target.search}${target.hash}`;
  return path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/login") ? path : "/";
}

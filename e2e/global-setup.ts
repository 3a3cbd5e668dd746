// Runs before the end-to-end suite; returns its own teardown.
export default async function globalSetup(): Promise<() => Promise<void>> {
  return async () => {};
}

// Runs before the end-to-end suite: starts the OpenID Provider the app signs in
// against (OIDC_ISSUER in playwright.config.ts) and returns the teardown that stops it.
import { startOidcProvider } from "./oidc-provider";

export default async function globalSetup(): Promise<() => Promise<void>> {
  const provider = await startOidcProvider();
  return async () => {
    await provider.stop();
  };
}

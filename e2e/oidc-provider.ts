/**
 * A real OpenID Provider for the end-to-end tests: `oidc-provider` (the
 * certified Node.js implementation) on E2E_OIDC_PORT, with one confidential
 * client for Flightdeck and its built-in development login pages.
 *
 * Accounts: any e-mail address typed on its login page signs in (the password
 * is ignored), with claims `sub`, `email`, `email_verified` and `name`, so a
 * test can use a fresh identity when it needs one. `SSO_USER` is the usual one.
 */
import type { Server } from "node:http";
import Provider, { type Configuration } from "oidc-provider";
import { E2E_PORT } from "../tests/test-database";
import { E2E_OIDC, E2E_OIDC_PORT } from "./constants";

export const SSO_USER = { email: "sso.user@example.com", name: "Sso User" };

export const OIDC_REDIRECT_URI = `http://localhost:${E2E_PORT}/api/auth/callback/oidc`;

/** The subject the provider gives an e-mail address: stable, and not the address itself. */
export const ssoSubject = (email: string) => `e2e-${email.toLowerCase()}`;

function nameFor(email: string): string {
  if (email === SSO_USER.email) return SSO_USER.name;
  return email.split("@")[0]!.replace(/[._-]+/g, " ").replace(/\b\w/g, (c) => c.toUpperCase());
}

const configuration: Configuration = {
  clients: [
    {
      client_id: E2E_OIDC.clientId,
      client_secret: E2E_OIDC.clientSecret,
      redirect_uris: [OIDC_REDIRECT_URI],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  // Flightdeck sends PKCE (S256), state and nonce; insist on PKCE so a regression shows.
  pkce: { required: () => true },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  cookies: { keys: ["e2e-oidc-cookie-key-0123456789"] },
  // Explicit lifetimes (seconds): the defaults work but log a notice for each artifact.
  ttl: { AccessToken: 3600, AuthorizationCode: 600, Grant: 86_400, IdToken: 3600, Interaction: 3600, Session: 86_400 },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const email = id.trim().toLowerCase();
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) return undefined;
    return {
      accountId: email,
      async claims() {
        return { sub: ssoSubject(email), email, email_verified: true, name: nameFor(email) };
      },
    };
  },
};

export interface RunningProvider {
  issuer: string;
  stop(): Promise<void>;
}

export async function startOidcProvider(port = E2E_OIDC_PORT): Promise<RunningProvider> {
  const issuer = `http://localhost:${port}`;
  const provider = new Provider(issuer, configuration);
  const server: Server = await new Promise((resolve, reject) => {
    const s = provider.listen(port, () => resolve(s));
    s.once("error", reject);
  });
  return {
    issuer,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

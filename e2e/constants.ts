/** Fixed values the end-to-end server is started with (test-only secrets). */
import { E2E_PORT } from "../tests/test-database";

export const E2E_AUTH_SECRET = "e2e-only-secret-0123456789abcdefghijklmnopqrstuvwxyz";
export const E2E_API_KEY = "fd_e2eInitKey0123456789abcdefghijkl";
/** The agent listener's port (AGENT_PORT) of the end-to-end server. */
export const E2E_AGENT_PORT = Number(process.env.E2E_AGENT_PORT ?? E2E_PORT + 2);
export const E2E_OIDC_PORT = Number(process.env.E2E_OIDC_PORT ?? E2E_PORT + 99);
export const E2E_OIDC = {
  issuer: `http://localhost:${E2E_OIDC_PORT}`,
  clientId: "flightdeck-e2e",
  clientSecret: "flightdeck-e2e-client-secret-0123456789",
  name: "Test SSO",
};

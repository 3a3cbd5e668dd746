import { describe, expect, it } from "vitest";
import { demoEnabled, EnvError, parseEnv } from "./env";

describe("parseEnv", () => {
  it("gives defaults for an empty environment", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.OIDC_DEFAULT_ROLE).toBe("VIEWER");
  });

  it("names each bad variable", () => {
    try {
      parseEnv({ PORT: "eighty", DATABASE_URL: "mysql://x", AUTH_SECRET: "short" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      const message = (error as EnvError).message;
      expect(message).toContain("PORT: must be a whole number from 1 to 65535");
      expect(message).toContain("DATABASE_URL: must be a postgresql:// connection URL");
      expect(message).toContain("AUTH_SECRET: must be at least 32 characters");
    }
  });

  it("takes an optional AGENT_PORT for the agent listener: a port other than PORT", () => {
    expect(parseEnv({}).AGENT_PORT).toBeUndefined();
    expect(parseEnv({ AGENT_PORT: "" }).AGENT_PORT).toBeUndefined();
    expect(parseEnv({ AGENT_PORT: "3001" }).AGENT_PORT).toBe(3001);
    expect(() => parseEnv({ AGENT_PORT: "3000" })).toThrow("AGENT_PORT: must differ from PORT");
    expect(() => parseEnv({ AGENT_PORT: "70000" })).toThrow("AGENT_PORT: must be at most 65535");
    expect(() => parseEnv({ AGENT_PORT: "fast" })).toThrow("AGENT_PORT: must be a whole number from 1 to 65535");
  });

  it("answers reservations once durable unless RESERVATION_COMMIT says async", () => {
    expect(parseEnv({}).RESERVATION_COMMIT).toBe("durable");
    expect(parseEnv({ RESERVATION_COMMIT: "" }).RESERVATION_COMMIT).toBe("durable");
    expect(parseEnv({ RESERVATION_COMMIT: " async " }).RESERVATION_COMMIT).toBe("async");
    expect(() => parseEnv({ RESERVATION_COMMIT: "off" })).toThrow('RESERVATION_COMMIT: must be "durable" or "async"');
  });

  it("takes an optional direct PostgreSQL URL for LISTEN, checked like DATABASE_URL", () => {
    expect(parseEnv({}).DATABASE_DIRECT_URL).toBeUndefined();
    expect(parseEnv({ DATABASE_DIRECT_URL: "" }).DATABASE_DIRECT_URL).toBeUndefined();
    expect(parseEnv({ DATABASE_DIRECT_URL: "postgresql://app@db:5432/flightdeck" }).DATABASE_DIRECT_URL).toBe(
      "postgresql://app@db:5432/flightdeck",
    );
    expect(() => parseEnv({ DATABASE_DIRECT_URL: "pgbouncer:6432" })).toThrow(
      "DATABASE_DIRECT_URL: must be a postgresql:// connection URL",
    );
  });

  it("wants the OpenID Connect variables together", () => {
    expect(() => parseEnv({ OIDC_ISSUER: "http://127.0.0.1:9000" })).toThrow(/OIDC_CLIENT_ID/);
    expect(parseEnv({ OIDC_ISSUER: "http://127.0.0.1:9000", OIDC_CLIENT_ID: "a", OIDC_CLIENT_SECRET: "b" }).OIDC_ISSUER).toBe(
      "http://127.0.0.1:9000",
    );
  });

  it("wants the initial admin's e-mail and password together", () => {
    expect(() => parseEnv({ INIT_ADMIN_EMAIL: "a@b.co" })).toThrow(/INIT_ADMIN_PASSWORD/);
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ AUTH_SECRET: "", INIT_API_KEY: "" }).AUTH_SECRET).toBeUndefined();
  });
});

describe("sessions and the sign-in throttle", () => {
  it("reads SESSION_MAX_AGE_HOURS (default 12) and TRUST_PROXY (default off)", () => {
    expect(parseEnv({})).toMatchObject({ SESSION_MAX_AGE_HOURS: 12, TRUST_PROXY: false });
    expect(parseEnv({ SESSION_MAX_AGE_HOURS: "8", TRUST_PROXY: "1" })).toMatchObject({ SESSION_MAX_AGE_HOURS: 8, TRUST_PROXY: true });
    expect(() => parseEnv({ SESSION_MAX_AGE_HOURS: "0" })).toThrow(/SESSION_MAX_AGE_HOURS/);
    expect(() => parseEnv({ TRUST_PROXY: "yes" })).toThrow(/TRUST_PROXY/);
  });
});

describe("demoEnabled", () => {
  it("seeds the demo users only for the zero-configuration start, unless FLIGHTDECK_DEMO says otherwise", () => {
    expect(demoEnabled(parseEnv({}))).toBe(true);
    // The e2e server: an API key for agents gives nobody a password, so the demo stays.
    expect(demoEnabled(parseEnv({ INIT_API_KEY: "fd_e2eInitKey0123456789abcdefghijkl" }))).toBe(true);
    expect(demoEnabled(parseEnv({ DATABASE_URL: "postgresql://u@db/flightdeck" }))).toBe(false);
    expect(demoEnabled(parseEnv({ INIT_ADMIN_EMAIL: "root@example.com", INIT_ADMIN_PASSWORD: "long-enough" }))).toBe(false);
    expect(demoEnabled(parseEnv({ DATABASE_URL: "postgresql://u@db/flightdeck", FLIGHTDECK_DEMO: "1" }))).toBe(true);
    expect(demoEnabled(parseEnv({ FLIGHTDECK_DEMO: "0" }))).toBe(false);
  });
});

describe("ingestion memory", () => {
  it("reads INGEST_MAX_INFLIGHT_BYTES (default 64 MiB, at least 1 MiB)", () => {
    expect(parseEnv({}).INGEST_MAX_INFLIGHT_BYTES).toBe(64 * 1024 * 1024);
    expect(parseEnv({ INGEST_MAX_INFLIGHT_BYTES: String(256 * 1024 * 1024) }).INGEST_MAX_INFLIGHT_BYTES).toBe(256 * 1024 * 1024);
    expect(() => parseEnv({ INGEST_MAX_INFLIGHT_BYTES: "1000" })).toThrow(/INGEST_MAX_INFLIGHT_BYTES: must be at least 1048576/);
  });
});

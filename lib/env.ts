/**
 * The environment, validated once with zod. `readEnv()` throws an error naming
 * every bad variable; the start script and the server's instrumentation call it
 * at boot so a misconfiguration stops the start with a clear message.
 */
import { z } from "zod";
import { ROLES } from "@/lib/enums";

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

/** A whole number from the environment, with a message people can act on. */
const integer = (min: number, max: number, fallback: number) =>
  z.coerce
    .number({ message: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

/** A postgresql:// URL, or unset. */
const postgresUrl = optionalString.pipe(
  z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// connection URL").optional(),
);

const roleSchema = z.enum(ROLES);

/** "1"/"true" or "0"/"false"/unset. */
const flag = optionalString
  .pipe(z.enum(["0", "1", "true", "false"], { message: 'must be "1" or "0"' }).optional())
  .transform((v) => v === "1" || v === "true");

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: postgresUrl,
    // A connection that bypasses PgBouncer (transaction mode drops LISTEN): used by lib/db/notifications only.
    DATABASE_DIRECT_URL: postgresUrl,
    DATABASE_POOL_MAX: integer(1, 200, 10),
    PORT: integer(1, 65535, 3000),
    // A second port serving the agent-facing hot paths (budget check, reservations) outside Next.js's pipeline: scripts/agent-listener.ts.
    AGENT_PORT: z.preprocess(
      (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
      z.coerce.number({ message: "must be a whole number from 1 to 65535" }).int("must be a whole number from 1 to 65535").min(1, "must be at least 1").max(65535, "must be at most 65535").optional(),
    ),
    // "durable": a reservation is answered once its grant is on disk; "async": once committed (caps hold alike), before the flush (lib/spend/budgets/README.md).
    RESERVATION_COMMIT: optionalString.pipe(z.enum(["durable", "async"], { message: 'must be "durable" or "async"' }).default("durable")),
    AUTH_SECRET: optionalString.pipe(z.string().min(32, "must be at least 32 characters").optional()),
    AUTH_URL: optionalString.pipe(z.url().optional()),
    INIT_ADMIN_EMAIL: optionalString.pipe(z.email().optional()),
    INIT_ADMIN_PASSWORD: optionalString.pipe(z.string().min(8, "must be at least 8 characters").optional()),
    INIT_API_KEY: optionalString.pipe(z.string().min(24, "must be at least 24 characters").optional()),
    OIDC_ISSUER: optionalString.pipe(z.url().optional()),
    OIDC_CLIENT_ID: optionalString,
    OIDC_CLIENT_SECRET: optionalString,
    OIDC_NAME: z.string().default("Single sign-on"),
    OIDC_DEFAULT_ROLE: roleSchema.default("VIEWER"),
    INGEST_MAX_BODY_BYTES: integer(1024, 1024 ** 3, 16 * 1024 * 1024),
    // Ingestion bodies held at once by this process (lib/telemetry/inflight.ts); past it, 429 with Retry-After.
    INGEST_MAX_INFLIGHT_BYTES: integer(1024 * 1024, 64 * 1024 ** 3, 64 * 1024 * 1024),
    // How long a console sign-in lasts; the server-side Session row expires then.
    SESSION_MAX_AGE_HOURS: integer(1, 24 * 90, 12),
    // "1": behind a reverse proxy, key the sign-in throttle on X-Forwarded-For's first hop (lib/auth/client-address.ts).
    TRUST_PROXY: flag,
    // "1": seed the demo users (published passwords) even with DATABASE_URL or INIT_ADMIN_*; "0": never.
    FLIGHTDECK_DEMO: optionalString.pipe(z.enum(["0", "1"], { message: 'must be "0" or "1"' }).optional()),
  })
  .superRefine((env, ctx) => {
    if (env.AGENT_PORT !== undefined && env.AGENT_PORT === env.PORT) {
      ctx.addIssue({ code: "custom", path: ["AGENT_PORT"], message: "must differ from PORT" });
    }
    if ((env.INIT_ADMIN_EMAIL === undefined) !== (env.INIT_ADMIN_PASSWORD === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [env.INIT_ADMIN_EMAIL ? "INIT_ADMIN_PASSWORD" : "INIT_ADMIN_EMAIL"],
        message: "INIT_ADMIN_EMAIL and INIT_ADMIN_PASSWORD go together",
      });
    }
    const oidc = [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET];
    if (oidc.some(Boolean) && !oidc.every(Boolean)) {
      ctx.addIssue({
        code: "custom",
        path: [!env.OIDC_ISSUER ? "OIDC_ISSUER" : !env.OIDC_CLIENT_ID ? "OIDC_CLIENT_ID" : "OIDC_CLIENT_SECRET"],
        message: "OpenID Connect needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together",
      });
    }
  });

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parses the given environment; throws EnvError naming each bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`),
    );
  }
  return result.data;
}

let cached: Env | undefined;

export function readEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

export function oidcEnabled(env: Env = readEnv()): boolean {
  return Boolean(env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET);
}

/**
 * Whether the demo users (with their published passwords) are seeded into an
 * empty database: only for the zero-configuration start (no DATABASE_URL, no
 * INIT_ADMIN_*), unless FLIGHTDECK_DEMO says otherwise. INIT_API_KEY alone
 * does not count: a key is for agents, it gives nobody a way to sign in.
 */
export function demoEnabled(env: Env = readEnv()): boolean {
  if (env.FLIGHTDECK_DEMO) return env.FLIGHTDECK_DEMO === "1";
  return !env.DATABASE_URL && !env.INIT_ADMIN_EMAIL;
}

/**
 * Which database a command talks to: DATABASE_URL when set, else the embedded
 * cluster under .data/ (started for the command and stopped after it).
 */
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres";

export const EMBEDDED_DATA_DIR = process.env.EMBEDDED_PG_DIR ?? ".data/postgres";
export const EMBEDDED_PORT = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
export const EMBEDDED_DATABASE = process.env.EMBEDDED_PG_DATABASE ?? "flightdeck";

export async function startDefaultEmbedded(log?: (line: string) => void): Promise<{ pg: EmbeddedPostgres; url: string }> {
  const pg = await startEmbeddedPostgres({ dataDir: EMBEDDED_DATA_DIR, port: EMBEDDED_PORT, log });
  await ensureDatabase(pg.url("postgres"), EMBEDDED_DATABASE);
  return { pg, url: pg.url(EMBEDDED_DATABASE) };
}

export async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  if (process.env.DATABASE_URL) return fn(process.env.DATABASE_URL);
  const { pg, url } = await startDefaultEmbedded();
  try {
    return await fn(url);
  } finally {
    await pg.stop();
  }
}

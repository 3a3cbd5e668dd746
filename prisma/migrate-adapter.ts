/**
 * Driver adapter for Prisma's WebAssembly schema engine, so migrations run
 * offline (no native engine download). Used by prisma.config.ts, i.e. the CLI only.
 * Each of the three fixes below was found necessary on a fresh database.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

const TEXT_OID = 25;
/** `name` (19) and `"char"` (18) columns, e.g. from pg_catalog, that the engine cannot deserialize. */
const TEXT_LIKE_OIDS = new Set([18, 19]);

type Queryable = { query: (...args: never[]) => unknown };

/** 1. Report catalog `name`/`"char"` fields as `text`: the values are already strings. */
function mapCatalogTypesToText(target: Queryable): void {
  const original = target.query.bind(target) as (...args: unknown[]) => unknown;
  const patched = (...args: unknown[]): unknown => {
    const out = original(...args);
    if (out && typeof (out as Promise<unknown>).then === "function") {
      return (out as Promise<pg.QueryResult>).then((result) => {
        for (const r of Array.isArray(result) ? result : [result]) {
          for (const field of r?.fields ?? []) {
            if (TEXT_LIKE_OIDS.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
          }
        }
        return result;
      });
    }
    return out;
  };
  (target as { query: unknown }).query = patched;
}

export async function migrateAdapter(connectionString: string) {
  const pool = new pg.Pool({ connectionString, max: 2, allowExitOnIdle: true });
  mapCatalogTypesToText(pool);
  pool.on("connect", (client) => mapCatalogTypesToText(client));

  const factory = new PrismaPg(pool);
  const connect = factory.connect.bind(factory);
  // 2. The adapter splits scripts on every `;`, breaking `$$`-quoted function
  // bodies: send each migration to the server whole instead.
  factory.connect = async () => {
    const adapter = await connect();
    adapter.executeScript = async (script: string) => {
      await pool.query(script);
    };
    return adapter;
  };
  return factory;
}

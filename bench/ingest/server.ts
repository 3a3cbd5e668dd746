/**
 * The benchmark's app server: the real OTLP route handler (auth, body limits,
 * protobuf decoding, ingestion transaction, ledger) behind a plain Node HTTP
 * server. Run with `node --conditions=react-server --import tsx` so modules
 * marked `server-only` load outside Next. `--next` in run.ts uses `next start` instead.
 */
import { POST } from "../../app/api/otel/v1/traces/route";
import { serveRouteHandlers } from "../lib/harness";

const port = Number(process.env.PORT ?? 3399);

serveRouteHandlers(port, (request) => POST(request, { params: Promise.resolve({}) }));

import type { OpenApiFragment } from "./types";

export const telemetryApi: OpenApiFragment = {
  paths: {},
  schemas: {},
};

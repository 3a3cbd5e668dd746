import type { OpenApiFragment } from "./types";

export const foundationApi: OpenApiFragment = {
  paths: {},
  schemas: {},
};

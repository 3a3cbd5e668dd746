import type { OpenApiFragment } from "./types";

export const spendApi: OpenApiFragment = {
  paths: {},
  schemas: {},
};

import { describe, expect, it } from "vitest";
import { parseRunKey } from "./api-queries";

describe("parseRunKey", () => {
  it("reads a trace id as a trace id, also when it starts with c (one in sixteen do)", () => {
    expect(parseRunKey("c284851cfa3712a2303403e6f83e0be4")).toEqual({ traceId: "c284851cfa3712a2303403e6f83e0be4" });
    expect(parseRunKey("4BF92F3577B34DA6A3CE929D0E0E4736")).toEqual({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736" });
  });

  it("reads a run id as a run id", () => {
    expect(parseRunKey("cmwv4r0x3vdc7plef94abr33l")).toEqual({ id: "cmwv4r0x3vdc7plef94abr33l" });
  });

  it("refuses anything else with a 400", () => {
    expect(() => parseRunKey("not-an-id")).toThrow(/trace id/);
    expect(() => parseRunKey("c284851cfa3712a2303403e6f83e0be")).not.toThrow(); // 31 chars: cuid-shaped
    expect(() => parseRunKey("../../etc")).toThrow();
  });
});

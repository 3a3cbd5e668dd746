import { describe, expect, it } from "vitest";
import { formatChange, formatShare, formatSpendCost, formatSpendUsd } from "./format";

describe("spend formats", () => {
  it("writes USD with 2 to 4 decimals and never a positive amount as $0", () => {
    expect(formatSpendUsd(1234.5)).toBe("$1,234.50");
    expect(formatSpendUsd(0.0042)).toBe("$0.0042");
    expect(formatSpendUsd(0.000000002)).toBe("< $0.0001");
    expect(formatSpendUsd(0)).toBe("$0.00");
    expect(formatSpendUsd(-2)).toBe("−$2.00");
    expect(formatSpendCost(0, 3)).toBe("unpriced");
    expect(formatSpendCost(1, 3)).toBe("$1.00 + unpriced");
  });

  it("writes shares and changes with their sign", () => {
    expect(formatShare(0.1234)).toBe("12.3 %");
    expect(formatShare(0.0001)).toBe("< 0.1 %");
    expect(formatShare(null)).toBe("—");
    expect(formatChange(1.2, 0.12)).toBe("+$1.20 (+12.0 %)");
    expect(formatChange(-0.5, -1)).toBe("−$0.50 (−100.0 %)");
    expect(formatChange(3, null)).toBe("+$3.00 (new)");
    expect(formatChange(0, 0)).toBe("no change");
  });
});

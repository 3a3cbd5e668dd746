import { describe, expect, it } from "vitest";
import { FailureLimiter } from "./rate-limit";

describe("FailureLimiter", () => {
  it("blocks after the allowed failures until the window ends", () => {
    let now = 0;
    const limiter = new FailureLimiter(3, 1000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter("a")).toBe(0);
      limiter.fail("a");
    }
    expect(limiter.retryAfter("a")).toBe(1000);
    expect(limiter.retryAfter("b")).toBe(0);
    now = 600;
    expect(limiter.retryAfter("a")).toBe(400);
    now = 1000;
    expect(limiter.retryAfter("a")).toBe(0);
  });

  it("forgets failures after a success", () => {
    const limiter = new FailureLimiter(2, 1000, () => 0);
    limiter.fail("a");
    limiter.succeed("a");
    limiter.fail("a");
    expect(limiter.retryAfter("a")).toBe(0);
  });
});

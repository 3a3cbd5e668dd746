/**
 * Finds a Chromium for Playwright: CHROMIUM_PATH, then the system's (Debian's
 * `chromium` package), then Playwright's own download if one exists.
 */
import { existsSync } from "node:fs";

export const CHROMIUM_HINT =
  "No Chromium found for the end-to-end tests: install one with `sudo apt-get install chromium` (Debian/Ubuntu) or set CHROMIUM_PATH to a Chrome/Chromium binary.";

export function findChromium(): string | null {
  const candidates = [
    process.env.CHROMIUM_PATH,
    process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH,
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  ];
  for (const candidate of candidates) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { chromium } = require("@playwright/test") as typeof import("@playwright/test");
    const own = chromium.executablePath();
    if (own && existsSync(own)) return own;
  } catch {
    // no Playwright browser downloaded
  }
  return null;
}

import fs from "node:fs";
import { defineConfig } from "@playwright/test";

/**
 * Browser tests run Debian's Chromium (browser downloads don't work here) against
 * the real server, started by tests/e2e/global-setup.ts exactly as `npm start` does.
 */
const chromium = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
if (!fs.existsSync(chromium)) {
  throw new Error(
    `Chromium not found at ${chromium}. Install it with \`apt-get update && apt-get install -y chromium\` ` +
      `(or point CHROMIUM_PATH at a Chromium binary). The e2e tests never download a browser.`,
  );
}

export default defineConfig({
  testDir: "tests/e2e",
  testMatch: "*.spec.ts",
  // 2 cores, one server: one worker, one test at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  globalSetup: "./tests/e2e/global-setup.ts",
  outputDir: "test-results/e2e-artifacts",
  reporter: [["list"]],
  use: {
    // The port is only known once global setup has started the server (tests/e2e/helpers.ts).
    baseURL: process.env.E2E_BASE_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        browserName: "chromium",
        launchOptions: {
          executablePath: chromium,
          args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
          ],
        },
      },
    },
  ],
});

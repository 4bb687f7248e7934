import { defineConfig } from '@playwright/test'

// Debian's Chromium: `npx playwright install` cannot download browsers here, so the system one is launched.
const CHROMIUM = process.env.MOCKFORGE_CHROMIUM ?? '/usr/bin/chromium'

export default defineConfig({
  testDir: 'e2e',
  // Each test starts its own mock (and the worker its own static server) on port 0, so two workers never collide.
  workers: 2,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  forbidOnly: true,
  retries: 0,
  // scripts/run-tests.mjs sets PLAYWRIGHT_JSON_OUTPUT_NAME to collect the counts.
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['list'], ['json']] : 'list',
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    },
  },
})

import { defineConfig } from '@playwright/test'

// Run by e2e/attachments.spec.ts only: tests that fail on purpose, to check what a failed test carries.
export default defineConfig({
  testDir: '.',
  testMatch: '*.failing.ts',
  workers: 1,
  retries: 0,
  timeout: 20_000,
  reporter: 'json',
})

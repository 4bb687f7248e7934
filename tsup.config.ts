import { existsSync } from 'node:fs'
import { defineConfig } from 'tsup'

const entries: Record<string, string> = {
  index: 'src/index.ts',
  'integrations/vitest': 'src/integrations/vitest.ts',
  'integrations/vitest-setup': 'src/integrations/vitest-setup.ts',
  'integrations/jest': 'src/integrations/jest.ts',
  'integrations/playwright': 'src/integrations/playwright.ts',
  'integrations/msw': 'src/integrations/msw.ts',
  'cli/bin': 'src/cli/bin.ts',
  'kits/socket-io/index': 'src/kits/socket-io/index.ts',
  'kits/graphql/index': 'src/kits/graphql/index.ts',
}

export default defineConfig({
  // Only entries that exist: integrations land one by one.
  entry: Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file))),
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // One chunk per distinct set of entries reaching a module: every Node-only entry imports something
  // from src/index.ts (a bare `import '../../index.js'` in kits/graphql), so the core's modules share
  // one set and the core entry loads 5 files instead of 20. msw (browser-safe), jest and vitest/setup
  // (small, loaded by every worker) keep off it. test/package/lazy-imports.test.ts counts the files.
  splitting: true,
  shims: true,
  // Optional peers: the user's own copy must be used (a bundled vitest cannot find the running suite).
  external: ['vitest', '@playwright/test', 'playwright', 'msw', 'openai', '@faker-js/faker', 'jest', '@jest/globals', 'graphql-ws', 'graphql', '@asyncapi/parser', 'socket.io'],
})

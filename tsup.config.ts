import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'integrations/vitest': 'src/integrations/vitest.ts',
    'integrations/vitest-setup': 'src/integrations/vitest-setup.ts',
    'integrations/jest': 'src/integrations/jest.ts',
    'integrations/playwright': 'src/integrations/playwright.ts',
    'integrations/msw': 'src/integrations/msw.ts',
    'cli/bin': 'src/cli/bin.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  shims: true,
})

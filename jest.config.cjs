// Jest runs the CommonJS test files in test/jest against the built package (dist/), required by its own name.
/** @type {import('jest').Config} */
module.exports = {
  testMatch: ['<rootDir>/test/jest/**/*.test.cjs'],
  testEnvironment: 'node',
  moduleFileExtensions: ['cjs', 'js', 'json'],
  // Plain CommonJS needs no transform; skipping babel-jest keeps the run fast.
  transform: {},
  setupFilesAfterEnv: ['mockforge-ws/jest'],
  testTimeout: 20_000,
}

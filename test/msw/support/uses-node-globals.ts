// A file that uses Node-only globals, for the self-check of test/msw/browser-bundle.test.ts. Never imported.
export const sizeOf = (text: string): number => Buffer.byteLength(text)
export const cwd = (): string => process.cwd()

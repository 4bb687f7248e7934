// Types of the require() condition of the Vitest entries: nothing, since loading them with require() throws.
// Import them from an ES module (Vitest's setupFiles and test files are ES modules) to get their types.
export {}

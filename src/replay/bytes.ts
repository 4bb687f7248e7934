// Kept for the modules that import the byte helpers from here; they live in src/session/bytes.ts.
export { toBase64, toUint8Array, utf8Length } from '../session/bytes.js'

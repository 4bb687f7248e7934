// Module hook for test/package/lazy-imports.test.ts: reports every file URL the ESM loader
// resolves to the main thread, which adds what CommonJS `require` loaded (require.cache).
let port

export function initialize(data) {
  port = data.port
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (result.url.startsWith('file:')) port.postMessage(result.url)
  return result
}

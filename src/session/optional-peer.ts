/**
 * Imports an optional peer package when a feature first needs it. The specifier is a variable, so
 * bundlers leave it to run time. Only the package itself being absent counts as missing (`missing`
 * makes that error, given the package name); a broken install of it goes to `broken`, or is rethrown as it is.
 */
export async function importPeer<T>(
  specifier: string,
  missing: (cause: unknown, pkg: string) => Error,
  broken?: (cause: unknown, pkg: string) => Error,
): Promise<T> {
  try {
    return (await import(specifier)) as T
  } catch (error) {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
    // The npm package of the specifier: `graphql-ws/client` → `graphql-ws`, `@asyncapi/parser` as it is.
    const pkg = specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/')
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String(message).includes(pkg)) throw missing(error, pkg)
    throw broken ? broken(error, pkg) : error
  }
}

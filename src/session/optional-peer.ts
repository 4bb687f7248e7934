/**
 * Imports an optional peer package when a feature first needs it. The specifier is a variable, so
 * bundlers leave it to run time. Only the package itself being absent counts as missing (`missing`
 * makes that error); a broken install of it goes to `broken`, or is rethrown as it is.
 */
export async function importPeer<T>(specifier: string, missing: (cause: unknown) => Error, broken?: (cause: unknown) => Error): Promise<T> {
  try {
    return (await import(specifier)) as T
  } catch (error) {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
    const parts = specifier.split('/')
    const pkg = parts.slice(0, specifier.startsWith('@') ? 2 : 1).join('/')
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String(message).includes(pkg)) throw missing(error)
    throw broken ? broken(error) : error
  }
}

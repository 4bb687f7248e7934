import type { Faker } from '@faker-js/faker'
import { MockWsError } from '../errors.js'
import type { FakerLike } from './context.js'
import { errorMessage } from '../session/to-error.js'

/** Module specifier of the optional faker peer dependency. */
export const FAKER_MODULE = '@faker-js/faker'

type FakerModule = typeof import('@faker-js/faker')

/**
 * Loads `@faker-js/faker` on demand and returns a fresh Faker instance (never the shared global one), seeded when `seed` is given.
 * @example
 * const faker = await loadFaker(42)
 * expandTokens('{{faker.person.fullName}}', { faker })
 */
export async function loadFaker(seed?: number): Promise<FakerLike> {
  return loadFakerFrom(FAKER_MODULE, seed)
}

/**
 * Same as `loadFaker`, importing from `specifier`; exists so the "not installed" path can be tested for real.
 * @internal
 */
export async function loadFakerFrom(specifier: string, seed?: number): Promise<FakerLike> {
  let mod: FakerModule
  try {
    // A non-literal specifier keeps bundlers from trying to resolve the optional peer at build time.
    mod = (await import(specifier)) as FakerModule
  } catch (error) {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
    // Only the package itself missing counts; a broken install of it is reported as it is.
    const missing = (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String(message).includes(specifier)
    if (missing) {
      throw new MockWsError(
        'WSM_TEMPLATE',
        `Failed to load ${FAKER_MODULE}: it is not installed. Run npm i -D ${FAKER_MODULE}`,
        { cause: error },
      )
    }
    throw new MockWsError(
      'WSM_TEMPLATE',
      `Failed to load ${FAKER_MODULE}: ${errorMessage(error)}. Check that a version >= 9 is installed.`,
      { cause: error },
    )
  }
  const faker: Faker = new mod.Faker({ locale: [mod.en, mod.base], ...(seed === undefined ? {} : { seed }) })
  return faker as unknown as FakerLike
}

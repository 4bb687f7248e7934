import type { Faker } from '@faker-js/faker'
import { MockWsError } from '../errors.js'
import type { FakerLike } from './context.js'
import { errorMessage } from '../session/to-error.js'
import { importPeer } from '../session/optional-peer.js'

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
  const mod = await importPeer<FakerModule>(
    specifier,
    (cause) => new MockWsError('WSM_TEMPLATE', `Failed to load ${FAKER_MODULE}: it is not installed. Run npm i -D ${FAKER_MODULE}`, { cause }),
    (cause) => new MockWsError('WSM_TEMPLATE', `Failed to load ${FAKER_MODULE}: ${errorMessage(cause)}. Check that a version >= 9 is installed.`, { cause }),
  )
  const faker: Faker = new mod.Faker({ locale: [mod.en, mod.base], ...(seed === undefined ? {} : { seed }) })
  return faker as unknown as FakerLike
}

// Node modules with no browser form (fs, url, net): importing works, calling says why it cannot.

function unavailable(): never {
  throw new Error('Not available in the browser: pass replay entries, JSON Lines text or a Scenario instead of a file.')
}

export const readFile = unavailable
export const fileURLToPath = unavailable
export const connect = unavailable
export default { readFile, fileURLToPath, connect }

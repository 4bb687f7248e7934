#!/usr/bin/env node
import { MockWsError } from '../errors.js'
import { createProgram } from './program.js'

createProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`mockforge-ws: ${error instanceof MockWsError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 1
  })

#!/usr/bin/env node
import { fileURLToPath } from 'node:url'
import { cliErrorMessage, docsPath } from './messages.js'
import { createProgram } from './program.js'

// This file is always dist/cli/bin.js of the installed package, which ships docs/ beside dist/.
const docsDir = fileURLToPath(new URL('../../docs/', import.meta.url))

createProgram()
  .addHelpText('after', `\nDocs: ${docsPath('cli.md', docsDir)}`)
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`mockforge-ws: ${cliErrorMessage(error, docsDir)}\n`)
    process.exitCode = 1
  })

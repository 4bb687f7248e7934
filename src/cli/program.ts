import { Command } from 'commander'
import { registerAsyncApi } from './asyncapi.js'
import { processIo, type CliIo } from './io.js'
import { registerGenerate } from './generate.js'
import { registerImportHar } from './import-har.js'
import { registerRecord } from './record.js'
import { registerServe } from './serve.js'
import { registerValidate } from './validate.js'
import { registerView } from './view.js'

/** Package version, kept in step with package.json by the release. */
export const VERSION = '0.1.0'

/** Builds the `mockforge-ws` command line program. */
export function createProgram(io: CliIo = processIo): Command {
  const program = new Command('mockforge-ws')
    .description('WebSocket mock server: replay files, templates, latency, proxy/record, AI event streams')
    .version(VERSION)
    .showHelpAfterError()
  registerServe(program, io)
  registerValidate(program, io)
  registerGenerate(program, io)
  registerRecord(program, io)
  registerImportHar(program, io)
  registerView(program, io)
  registerAsyncApi(program, io)
  return program
}

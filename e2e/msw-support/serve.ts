// Serves the MSW e2e page on 127.0.0.1 and port 0: index.html, page.js (bundled from the sources now) and MSW's
// mockServiceWorker.js (read from the installed msw, so no generated copy is committed).
import { readFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const APP = fileURLToPath(new URL('../msw-app/', import.meta.url))
const WORKER_SCRIPT = fileURLToPath(new URL('../../node_modules/msw/lib/mockServiceWorker.js', import.meta.url))

/** Bundles e2e/msw-app/page.ts for Chromium as a user's bundler would: no plugins, shims or polyfills (docs/msw.md). */
export async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [`${APP}page.ts`],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  })
  const [output] = result.outputFiles
  if (!output) throw new Error('esbuild produced no output for the MSW e2e page')
  return output.text
}

/** The page server of the MSW e2e test. */
export interface MswPageServer {
  /** `http://127.0.0.1:PORT` */
  origin: string
  close(): Promise<void>
}

/** Bundles the page and serves it; resolves once listening on an OS-assigned port. */
export async function startMswPageServer(): Promise<MswPageServer> {
  const pageJs = await bundlePage()
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const send = (type: string, body: string | Buffer): void => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' })
      res.end(body)
    }
    if (path === '/page.js') return send('text/javascript; charset=utf-8', pageJs)
    const file = path === '/' ? `${APP}index.html` : path === '/mockServiceWorker.js' ? WORKER_SCRIPT : undefined
    if (!file) {
      res.writeHead(404)
      res.end()
      return
    }
    readFile(file).then(
      (body) => send(file.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8', body),
      () => {
        res.writeHead(500)
        res.end()
      },
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

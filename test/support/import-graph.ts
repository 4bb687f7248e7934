// The import graph of a source folder, read with the TypeScript compiler API (no bundler, no new dependency).
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'

/**
 * How one module refers to another:
 * - `static`: `import … from`, `export … from`, `import x = require()`: evaluated when the importer loads;
 * - `type`: `import type`, `export type … from`, `typeof import('…')`: erased at run time, still a design dependency;
 * - `dynamic`: `import('…')` in an expression: loaded later, on first use.
 */
export type EdgeKind = 'static' | 'type' | 'dynamic'

/** One reference from a file to another file of the same folder. */
export interface ImportEdge {
  from: string
  to: string
  kind: EdgeKind
  /** 1-based line of the specifier in `from`. */
  line: number
}

/** Every file of a folder and the references between them (paths relative to the folder, with `/`). */
export interface ImportGraph {
  root: string
  files: string[]
  edges: ImportEdge[]
  /** Specifiers that look relative but resolve to no file of the folder (a typo or a file outside it). */
  unresolved: { from: string; specifier: string; line: number }[]
}

const SOURCE_FILE = /\.(c|m)?tsx?$/
const DECLARATION_FILE = /\.d\.(c|m)?ts$/

function listSources(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...listSources(path))
    else if (SOURCE_FILE.test(entry.name) && !DECLARATION_FILE.test(entry.name)) out.push(path)
  }
  return out
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause
  if (!clause) return false // `import './x.js'`: a side effect, run at load time
  if (clause.isTypeOnly) return true
  // `import { type A, type B } from` keeps the import under verbatimModuleSyntax only if a name is a value.
  const bindings = clause.namedBindings
  return !clause.name && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly)
}

function isTypeOnlyExport(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true
  const clause = node.exportClause
  return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly)
}

/** The module specifiers of one file with their kind, in source order. */
export function referencesOf(fileName: string, text: string): { specifier: string; kind: EdgeKind; line: number }[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true)
  const found: { specifier: string; kind: EdgeKind; line: number }[] = []
  const add = (literal: ts.Node, kind: EdgeKind): void => {
    if (!ts.isStringLiteralLike(literal)) return
    found.push({ specifier: literal.text, kind, line: source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1 })
  }
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, isTypeOnlyImport(node) ? 'type' : 'static')
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier) add(node.moduleSpecifier, isTypeOnlyExport(node) ? 'type' : 'static')
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly ? 'type' : 'static')
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, 'type')
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0]) {
      add(node.arguments[0], 'dynamic')
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

/**
 * Reads every TypeScript file under `root` and resolves its relative specifiers the way `tsc` does (NodeNext:
 * `./x.js` → `./x.ts`); package specifiers (`ws`, `node:fs`, optional peers) are not part of the graph.
 * @example
 * const graph = importGraph('src'); findCycles(graph.edges)
 */
export function importGraph(root: string): ImportGraph {
  const absRoot = resolve(root)
  const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, allowJs: false }
  const host = ts.createCompilerHost(options)
  const name = (abs: string): string => relative(absRoot, abs).split(sep).join('/')
  const files = listSources(absRoot)
  const known = new Set(files)
  const edges: ImportEdge[] = []
  const unresolved: ImportGraph['unresolved'] = []
  for (const file of files) {
    for (const ref of referencesOf(file, readFileSync(file, 'utf8'))) {
      if (!ref.specifier.startsWith('.')) continue
      const resolved = ts.resolveModuleName(ref.specifier, file, options, host).resolvedModule?.resolvedFileName
      const target = resolved === undefined ? undefined : resolve(resolved)
      if (target === undefined || !known.has(target)) unresolved.push({ from: name(file), specifier: ref.specifier, line: ref.line })
      else edges.push({ from: name(file), to: name(target), kind: ref.kind, line: ref.line })
    }
  }
  return { root: absRoot, files: files.map(name).sort(), edges, unresolved }
}

/**
 * Every elementary cycle of the graph (Johnson's algorithm), each as its files starting at the smallest name,
 * sorted; `limit` stops the search on a graph so tangled that listing every cycle would not help anyone.
 * @example
 * findCycles([{ from: 'a.ts', to: 'b.ts', kind: 'static', line: 1 }, { from: 'b.ts', to: 'a.ts', kind: 'type', line: 1 }]) // [['a.ts', 'b.ts']]
 */
export function findCycles(edges: readonly ImportEdge[], limit = 10_000): string[][] {
  const nodes = [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort()
  const index = new Map(nodes.map((n, i) => [n, i]))
  const next: number[][] = nodes.map(() => [])
  for (const e of edges) {
    const from = index.get(e.from) as number
    const to = index.get(e.to) as number
    if (!next[from]!.includes(to)) next[from]!.push(to)
  }
  for (const list of next) list.sort((a, b) => a - b)
  const cycles: string[][] = []
  // Johnson: for each start s, the cycles through s in the subgraph of nodes >= s.
  for (let s = 0; s < nodes.length && cycles.length < limit; s++) {
    const blocked = new Set<number>()
    const blockMap = new Map<number, Set<number>>()
    const stack: number[] = []
    const unblock = (u: number): void => {
      blocked.delete(u)
      const waiting = blockMap.get(u)
      if (!waiting) return
      blockMap.delete(u)
      for (const w of waiting) if (blocked.has(w)) unblock(w)
    }
    const circuit = (v: number): boolean => {
      let closed = false
      stack.push(v)
      blocked.add(v)
      for (const w of next[v]!) {
        if (w < s || cycles.length >= limit) continue
        if (w === s) {
          cycles.push(stack.map((i) => nodes[i]!))
          closed = true
        } else if (!blocked.has(w) && circuit(w)) closed = true
      }
      if (closed) unblock(v)
      else {
        for (const w of next[v]!) {
          if (w < s) continue
          let set = blockMap.get(w)
          if (!set) blockMap.set(w, (set = new Set()))
          set.add(v)
        }
      }
      stack.pop()
      return closed
    }
    circuit(s)
  }
  return cycles.sort((a, b) => formatCycle(a).localeCompare(formatCycle(b)))
}

/** A cycle as `a.ts → b.ts → a.ts`. */
export function formatCycle(cycle: readonly string[]): string {
  return [...cycle, cycle[0]].join(' → ')
}

/** The references that make up a cycle, as `from:line → to (kind)`, for a failure message. */
export function describeCycle(cycle: readonly string[], edges: readonly ImportEdge[]): string[] {
  return cycle.map((from, i) => {
    const to = cycle[(i + 1) % cycle.length]!
    const refs = edges.filter((e) => e.from === from && e.to === to)
    return refs.map((e) => `${e.from}:${e.line} → ${e.to} (${e.kind})`).join(', ')
  })
}

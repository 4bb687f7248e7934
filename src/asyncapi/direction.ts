/**
 * Which way a message goes, seen from the application the document describes (the server the mock plays).
 * @example
 * const dir: AppDirection = appDirection('2.6.0', 'subscribe') // 'sends'
 */
export type AppDirection = 'sends' | 'receives'

/**
 * The direction rule of AsyncAPI operations. In 2.x an operation is named from the *client's* side:
 * `subscribe` means clients subscribe to what the application sends, `publish` means clients publish
 * to the application (the classic inversion). In 3.x `action` is the application's own: `send` or
 * `receive`. A 3.x operation's `reply` goes the other way.
 *
 * | version | keyword | the application | the mock |
 * | --- | --- | --- | --- |
 * | 2.x | `subscribe` | sends | sends the examples, checks its own sends |
 * | 2.x | `publish` | receives | checks every client message |
 * | 3.x | `action: send` | sends | sends the examples, checks its own sends |
 * | 3.x | `action: receive` | receives | checks every client message |
 * @example
 * appDirection('3.0.0', 'receive') // 'receives'
 */
export function appDirection(version: string, action: string): AppDirection {
  const major = version.split('.')[0]
  if (major === '2') return action === 'subscribe' ? 'sends' : 'receives'
  return action === 'send' ? 'sends' : 'receives'
}

/** The direction of a reply to an operation going `dir`. */
export function replyDirection(dir: AppDirection): AppDirection {
  return dir === 'sends' ? 'receives' : 'sends'
}

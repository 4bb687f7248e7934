// Moved to src/session/message-queue.ts (node-free); re-exported for the modules that still import it here.
export { MessageQueue } from '../session/message-queue.js'

// `mockforge-ws/socket.io`: a Socket.IO mock (a real socket.io server, an optional peer loaded when a mock
// starts) scripted in events and acks; the scenario compiles to replay entries played by the one player.
export { mockSocketIo, MockSocketIoBuilder, DEFAULT_SOCKET_IO_NAMESPACE, DEFAULT_SOCKET_IO_PATH } from './builder.js'
export type { MockSocketIoOptions, ExpectEmitOptions, EmitWithAckOptions } from './builder.js'
export { MockSocketIo } from './mock.js'
export type { MockSocketIoMetrics } from './mock.js'
export { SocketIoConnection, SERVER_DISCONNECT_REASON } from './connection.js'
export type { SocketIoEvent } from './connection.js'
export { SocketIoTransport } from './transport.js'
export { ioEvent, ioAck, frameText, parseFrame, BINARY_KEY } from './dialect.js'
export type { ArgsMatcher, SocketIoFrame } from './dialect.js'
export { SOCKET_IO_SCENARIO_FILE } from './script.js'
export { loadSocketIo, SOCKET_IO_MODULE } from './load.js'
export { closeAllMocks, liveMockCount } from '../../index.js'

import type { ContractClient } from './cases.cjs'
export declare function connectNode(mock: { url: string }): Promise<ContractClient>

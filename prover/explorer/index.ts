// The explorer for auditors: web pages of recent claims by level, each claim's audit (the checks
// of prover/audit with their evidence), models with their versions and setup, and operators with
// their stake and disputes. Served by `assay explorer` and by the node at /ui.
export { explorerRoutes, CONTENT_SECURITY_POLICY } from "./routes.js";
export type { ExplorerOptions } from "./routes.js";
export { startExplorer } from "./explorer-server.js";
export type { ExplorerServerOptions } from "./explorer-server.js";
export type { ExplorerChain } from "./chain-reads.js";
export type { NodeRecords } from "./claim-data.js";
export { escapeHtml, html, Html } from "./html.js";
export { nodeExplorer } from "./node-explorer.js";
export type { NodeExplorerOptions } from "./node-explorer.js";
export { openRpcChain } from "./rpc-chain.js";

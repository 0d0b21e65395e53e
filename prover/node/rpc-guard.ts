// What POST /rpc may pass to the node's chain: read-only JSON-RPC methods only, from a page
// that names this machine (or a configured public host name) in its Host header.
//
// The embedded chain's accounts are unlocked and its evm_*/hardhat_* methods rewrite state, so
// a passthrough would let anyone spend the operator's ETH (eth_sendTransaction), sign with its
// key (eth_sign*, personal_sign), or move time and balances (evm_*, hardhat_*). Every method
// not in READ_ONLY_RPC_METHODS is refused; a batch holding one is refused whole (no element of
// it runs). Refusals are JSON-RPC error objects (code -32601) with HTTP 200, as a JSON-RPC
// client expects; each names the method and says that /rpc is read-only.
//
// The Host check defends against DNS rebinding: a web page on attacker.example whose name is
// re-pointed at 127.0.0.1 reaches the node from the victim's browser, but its requests still
// carry `Host: attacker.example`, which is refused (HTTP 403).

/** Methods that read chain state and cannot change it or use an account's key. */
export const READ_ONLY_RPC_METHODS: ReadonlySet<string> = new Set([
  "eth_chainId",
  "eth_blockNumber",
  "eth_call",
  "eth_estimateGas",
  "eth_getBalance",
  "eth_getCode",
  "eth_getStorageAt",
  "eth_getLogs",
  "eth_getTransactionReceipt",
  "eth_getTransactionByHash",
  "eth_getTransactionCount",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_gasPrice",
  "eth_feeHistory",
  "eth_maxPriorityFeePerGas",
  "net_version",
  "web3_clientVersion",
]);

/** Largest JSON-RPC batch served at once. */
export const MAX_RPC_BATCH = 100;

/** Host names that always mean this machine. */
export const LOCAL_HOST_NAMES: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/** The host name of a Host header without its port, lower-cased; undefined if malformed. */
export function hostNameOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const h = header.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(h);
  return m ? m[1] : undefined;
}

/** Normalises configured public host names the way hostNameOf reads a header ("::1" -> "[::1]"). */
export function normalizeHostName(name: string): string {
  const n = name.trim().toLowerCase();
  return n.includes(":") && !n.startsWith("[") ? `[${n}]` : n;
}

/** Whether a request's Host header names this machine or one of `publicHosts`. */
export function hostAllowed(header: string | undefined, publicHosts: readonly string[] = []): boolean {
  const name = hostNameOf(header);
  return name !== undefined && (LOCAL_HOST_NAMES.includes(name) || publicHosts.map(normalizeHostName).includes(name));
}

export function hostRefusal(header: string | undefined): string {
  return (
    `host ${JSON.stringify(header ?? "")} is not this node's: requests must name localhost, 127.0.0.1 or [::1] ` +
    "(or a name given with --public-host) in their Host header"
  );
}

interface RpcCall {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
}

const idOf = (m: unknown) => (m && typeof m === "object" && "id" in m ? (m as RpcCall).id : null);
const methodOf = (m: unknown) => (m && typeof m === "object" ? (m as RpcCall).method : undefined);

function refusal(id: unknown, message: string) {
  return { jsonrpc: "2.0", id: id ?? null, error: { code: -32601, message } };
}

/**
 * The response to send instead of running `body` when any call in it is not read-only (or the
 * batch is too large); undefined when every call may run.
 */
export function refuseRpc(body: unknown): unknown {
  const calls = Array.isArray(body) ? body : [body];
  if (calls.length > MAX_RPC_BATCH)
    return refusal(null, `batch of ${calls.length} calls refused: /rpc serves at most ${MAX_RPC_BATCH} per request`);
  const bad = calls.map(methodOf).filter((m): m is string => typeof m === "string" && !READ_ONLY_RPC_METHODS.has(m));
  if (bad.length === 0) return undefined;
  const why = (m: string) =>
    `method ${m.slice(0, 64)} is not allowed: this node's /rpc serves read-only methods only ` +
    "(eth_call, eth_getLogs, eth_getBalance, ...; see `assay node start --help`)";
  if (!Array.isArray(body)) return refusal(idOf(body), why(bad[0]));
  return body.map((m) => {
    const method = methodOf(m);
    return typeof method === "string" && !READ_ONLY_RPC_METHODS.has(method)
      ? refusal(idOf(m), why(method))
      : refusal(idOf(m), `not run: this batch also calls ${bad[0].slice(0, 64)}, which /rpc refuses`);
  });
}

// The package's public face (`import { AssayClient } from "assay"`): the node client, the claim
// and output helpers, the protocol's typed contract factories, and the SDK's errors. Subpaths
// give each part alone: "assay/client", "assay/claims", "assay/contracts".
export * from "./client.js";
export * from "./claims.js";
export * from "./contracts.js";
export * from "./errors.js";
export { AssayError } from "../errors.js";
export { familyCreator } from "./model-directory.js";

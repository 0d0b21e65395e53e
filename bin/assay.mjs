#!/usr/bin/env node
// The `assay` command. The package ships TypeScript; tsx compiles it on the fly.
import { register } from "tsx/esm/api";

register();
await import("../prover/cli/main.ts");

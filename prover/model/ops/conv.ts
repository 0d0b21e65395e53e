// Float Conv: y[n][m][oy][ox] = bias[m] + sum over the group's channels and the window.
import type { ConvOp } from "../float-graph.js";
import { evaluateConv } from "../../layers/conv.js";

export function evalConv(op: ConvOp, inputs: Float64Array[]): Float64Array {
  return evaluateConv(op, inputs);
}

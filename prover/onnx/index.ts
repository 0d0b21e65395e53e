export { loadModel, parseModel, type OnnxModel } from "./load-model.js";
export { normalize } from "./normalize.js";
export { OPERATORS } from "./ops/index.js";

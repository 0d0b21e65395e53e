// The inference node: consequence routing, the three levels of evidence, persistent proof jobs
// and Signed batches, enclave key registration, the challenge watcher that defends its claims, and
// the HTTP API over it all.
export { InferenceService } from "./inference-service.js";
export type {
  ClaimView,
  InferenceServiceOptions,
  InferRequest,
  InferResponse,
  ServedModel,
} from "./inference-service.js";
export { buildServer, startServer, DEFAULT_BODY_LIMIT } from "./server.js";
export type { Eip1193Provider, NodeServerOptions } from "./server.js";
export { DEFAULT_NODE_CONFIG, resolveConfig } from "./config.js";
export type { BatchConfig, NodeConfig } from "./config.js";
export { chooseLevel, consumerRequiredLevel, minLevel, nodeRequiredLevel } from "./routing.js";
export type { LevelRequest, PolicySource, PolicyThresholds } from "./routing.js";
export { imageMeasurementId, registerEnclave, EnclaveRegistrationError } from "./enclave-registration.js";
export type { RegisteredEnclave, RegisterEnclaveOptions } from "./enclave-registration.js";
export { bootstrapDevNode } from "./dev-bootstrap.js";
export type { DevBootstrap, DevBootstrapOptions, DevModel } from "./dev-bootstrap.js";
export { SqlJobQueue } from "./job-queue.js";
export {
  BullMqJobQueue,
  BullMqQueueError,
  parseRedisUrl,
  redactRedisUrl,
  DEFAULT_KEEP_DONE,
  DEFAULT_KEEP_FAILED,
} from "./bullmq-queue.js";
export type { BullMqJobQueueOptions, KeepFinished, RedisConnectionOptions } from "./bullmq-queue.js";
export { proofJobHandler, proofJobKey, recordProofOutcome } from "./proof-job.js";
export type { ProofJobPayload, ProofJobResult } from "./proof-job.js";
export { ChainView } from "./chain-view.js";
export { NodeMetrics } from "./metrics.js";
export { LOG_LEVELS } from "./server.js";
export type { LogLevel } from "./server.js";
export type { ServiceEvent } from "./inference-service.js";
export type { Job, JobQueue, JobState, SqlJobQueueOptions } from "./job-queue.js";
export { openDatabase, DatabaseError, SQLITE_FILE } from "./db/database.js";
export type { Database, DbKind, OpenDatabaseOptions } from "./db/database.js";
export { SignedBatcher } from "./batcher.js";
export { ChallengeWatcher, ChallengeWatcherError, firstBlockSince } from "./challenge-watcher.js";
export { RequestWatcher, RequestWatcherError } from "./request-watcher.js";
export type { RequestWatchOptions, RequestWatcherDeps, RequestWatcherStatus } from "./request-watcher.js";
export type { FixedClaim } from "./inference-service.js";
export type { ChallengeWatchOptions, ChallengeWatcherDeps, ChallengeWatcherStatus } from "./challenge-watcher.js";
export type { DefenceRecord, DefenceState } from "./watcher-state.js";
export { ClaimStore } from "./claim-store.js";
export type { ClaimQuery, ClaimRecord, ClaimStatus } from "./claim-store.js";
export * from "./errors.js";

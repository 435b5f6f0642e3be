/**
 * Job slots and GPU work: the JOB_CONTROL register block, the real Mali job-chain format
 * (headers, NULL / WRITE_VALUE / CACHE_FLUSH jobs), panmmu's memory programs (job type 0x70 and
 * the CSF-side {@link MemoryProgramEngine}), the {@link GpuAccessProbe} test agent, encoders and
 * the cost model.
 */
export * from "./arch.js";
export type { JobSlotStats } from "./chain/job-slot.js";
export * from "./cost-model.js";
export * from "./descriptor.js";
export * from "./exception-codes.js";
export { ACCESS_BUS_FAULT, GpuPageAccess } from "./gpu-access.js";
export * from "./igt-images.js";
export * from "./job-control.js";
export { GpuAccessProbe, type GpuAccessProbeOptions, ProbeRun } from "./probe/access-probe.js";
export {
  DEFAULT_PROBE_LATENCY_NS,
  DEFAULT_PROBE_MAX_RESULTS,
  MAX_PROBE_ACCESS_BYTES,
  type ProbeAccess,
  type ProbeAccessResult,
  type ProbeCounters,
  type ProbeOptions,
} from "./probe/probe-types.js";
export * from "./program/builder.js";
export * from "./program/interpreter.js";
export * from "./program/opcodes.js";
export * from "./program/program-engine.js";
export * from "./program/program-job.js";
export * from "./registers.js";
export * from "./write-value.js";

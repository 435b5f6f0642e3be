/**
 * GPU identification and features read at probe time, and the per-model feature/issue bits the
 * driver acts on.
 */
import type { MmioBus } from "@panmmu/hw";
import {
  GPU_AFBC_FEATURES,
  GPU_AS_PRESENT,
  GPU_COHERENCY_FEATURES,
  GPU_CORE_FEATURES,
  GPU_ID,
  GPU_JS_FEATURES,
  GPU_JS_PRESENT,
  GPU_L2_FEATURES,
  GPU_L2_PRESENT_LO,
  GPU_MEM_FEATURES,
  GPU_MMU_FEATURES,
  GPU_SHADER_PRESENT_LO,
  GPU_STACK_PRESENT_LO,
  GPU_TEXTURE_FEATURES,
  GPU_THREAD_FEATURES,
  GPU_THREAD_MAX_BARRIER_SIZE,
  GPU_THREAD_MAX_THREADS,
  GPU_THREAD_MAX_WORKGROUP_SIZE,
  GPU_THREAD_TLS_ALLOC,
  GPU_TILER_FEATURES,
  GPU_TILER_PRESENT_LO,
} from "../regs.js";

/** Hardware features the driver uses (a subset of the kernel's HW_FEATURE_* list). */
export interface ModelFeatures {
  /** HW_FEATURE_JOBCHAIN_DISAMBIGUATION: two chains per slot told apart by JOB_CHAIN_FLAG. */
  jobChainDisambiguation: boolean;
  /** HW_FEATURE_FLUSH_REDUCTION. */
  flushReduction: boolean;
  /** HW_FEATURE_AARCH64_MMU: the MMU understands AArch64 4K page tables. */
  aarch64Mmu: boolean;
  /** HW_ISSUE_10649: JS_CONFIG_START_MMU needed. */
  issue10649: boolean;
}

/** Marketing name and features of a known product id. */
interface ModelEntry {
  /** Model key the product id is compared with (see {@link panfrostModelCmp}). */
  readonly id: number;
  /** Marketing name. */
  readonly name: string;
  /** Feature bits of the product. */
  readonly features: ModelFeatures;
}

const MIDGARD_OLD: ModelFeatures = {
  jobChainDisambiguation: false,
  flushReduction: false,
  aarch64Mmu: false,
  issue10649: true,
};
const MIDGARD: ModelFeatures = {
  jobChainDisambiguation: true,
  flushReduction: false,
  aarch64Mmu: false,
  issue10649: false,
};
const BIFROST: ModelFeatures = {
  jobChainDisambiguation: true,
  flushReduction: true,
  aarch64Mmu: false,
  issue10649: false,
};
const BIFROST_A64: ModelFeatures = { ...BIFROST, aarch64Mmu: true };

const MODELS: readonly ModelEntry[] = [
  { id: 0x600, name: "Mali-T600", features: MIDGARD_OLD },
  { id: 0x620, name: "Mali-T620", features: MIDGARD_OLD },
  { id: 0x720, name: "Mali-T720", features: MIDGARD_OLD },
  { id: 0x750, name: "Mali-T760", features: MIDGARD },
  { id: 0x820, name: "Mali-T820", features: MIDGARD },
  { id: 0x830, name: "Mali-T830", features: MIDGARD },
  { id: 0x860, name: "Mali-T860", features: MIDGARD },
  { id: 0x880, name: "Mali-T880", features: MIDGARD },
  { id: 0x6000, name: "Mali-G71", features: BIFROST },
  { id: 0x6001, name: "Mali-G72", features: BIFROST },
  { id: 0x7000, name: "Mali-G51", features: BIFROST },
  { id: 0x7001, name: "Mali-G76", features: BIFROST_A64 },
  { id: 0x7002, name: "Mali-G52", features: BIFROST },
  { id: 0x7003, name: "Mali-G31", features: BIFROST_A64 },
  { id: 0x9001, name: "Mali-G57", features: BIFROST_A64 },
  { id: 0x9003, name: "Mali-G57", features: BIFROST_A64 },
];

/**
 * Compares product id `productId` (GPU_ID >> 16, as GET_PARAM(GPU_PROD_ID) reports it) with
 * model key `modelId`: Bifrost and later ids (one or more of bits 15:12 set) keep only their
 * architecture and product-major nibbles (mask 0xf00f) first, so a real G52 reading 0x7212 or
 * 0x7402 matches key 0x7002 and a G57 reading 0x9091 matches 0x9001; Midgard ids compare as
 * they are. 0 when they match, negative / positive when the (masked) id is lower / higher.
 *
 * Mirrors panfrost_model_cmp().
 */
export function panfrostModelCmp(productId: number, modelId: number): number {
  const match = (productId & 0xf000) !== 0 ? productId & 0xf00f : productId;
  return match - modelId;
}

/** The model-table entry `productId` matches, if any (the first one, as the kernel's loop). */
function findModel(productId: number): ModelEntry | undefined {
  return MODELS.find((m) => panfrostModelCmp(productId, m.id) === 0);
}

/** Identification and feature registers of the probed GPU. */
export interface GpuFeatures {
  /**
   * Product id: GPU_ID >> 16 as read (0x6956 reads as 0x0600), not masked, as GET_PARAM
   * (GPU_PROD_ID) reports it and userspace's model tables key it (e.g. 0x7212 for a G52).
   */
  id: number;
  /** Revision (GPU_ID & 0xffff). */
  revision: number;
  /** Marketing name, or `Mali-<id>` for an unknown id. */
  name: string;
  /** GPU_L2_FEATURES. */
  l2Features: number;
  /** GPU_CORE_FEATURES. */
  coreFeatures: number;
  /** GPU_TILER_FEATURES. */
  tilerFeatures: number;
  /** GPU_MEM_FEATURES. */
  memFeatures: number;
  /** GPU_MMU_FEATURES. */
  mmuFeatures: number;
  /** VA bits (MMU_FEATURES[7:0]). */
  vaBits: number;
  /** PA bits (MMU_FEATURES[15:8]). */
  paBits: number;
  /** GPU_AS_PRESENT. */
  asPresent: number;
  /** GPU_JS_PRESENT. */
  jsPresent: number;
  /** GPU_THREAD_MAX_THREADS. */
  threadMaxThreads: number;
  /** GPU_THREAD_MAX_WORKGROUP_SIZE. */
  threadMaxWorkgroupSize: number;
  /** GPU_THREAD_MAX_BARRIER_SIZE. */
  threadMaxBarrierSize: number;
  /** GPU_THREAD_FEATURES. */
  threadFeatures: number;
  /** GPU_COHERENCY_FEATURES. */
  coherencyFeatures: number;
  /** GPU_THREAD_TLS_ALLOC. */
  threadTlsAlloc: number;
  /** GPU_STACK_PRESENT (low word). */
  stackPresent: number;
  /** Core groups: one per L2 slice present (popcount of GPU_L2_PRESENT). */
  nrCoreGroups: number;
  /** GPU_TEXTURE_FEATURES 0..3. */
  textureFeatures: number[];
  /** GPU_JS_FEATURES 0..15. */
  jsFeatures: number[];
  /** GPU_SHADER_PRESENT (low word). */
  shaderPresent: number;
  /** GPU_TILER_PRESENT (low word). */
  tilerPresent: number;
  /** GPU_L2_PRESENT (low word). */
  l2Present: number;
  /** GPU_AFBC_FEATURES. */
  afbcFeatures: number;
  /** Feature/issue bits from the model table. */
  hw: ModelFeatures;
}

/**
 * Reads the identification and feature registers and looks the product id up in the model
 * table the way the kernel does ({@link panfrostModelCmp}); an unknown id gets Midgard features.
 *
 * Mirrors panfrost_gpu_init_features().
 */
export function readGpuFeatures(mmio: MmioBus): GpuFeatures {
  const gpuId = mmio.read32(GPU_ID) >>> 0;
  let id = gpuId >>> 16;
  if (id === 0x6956) id = 0x0600;
  const mmuFeatures = mmio.read32(GPU_MMU_FEATURES) >>> 0;
  const model = findModel(id);
  const l2Present = mmio.read32(GPU_L2_PRESENT_LO) >>> 0;
  return {
    id,
    revision: gpuId & 0xffff,
    name: model?.name ?? `Mali-0x${id.toString(16)}`,
    l2Features: mmio.read32(GPU_L2_FEATURES) >>> 0,
    coreFeatures: mmio.read32(GPU_CORE_FEATURES) >>> 0,
    tilerFeatures: mmio.read32(GPU_TILER_FEATURES) >>> 0,
    memFeatures: mmio.read32(GPU_MEM_FEATURES) >>> 0,
    mmuFeatures,
    vaBits: mmuFeatures & 0xff,
    paBits: (mmuFeatures >>> 8) & 0xff,
    asPresent: mmio.read32(GPU_AS_PRESENT) >>> 0,
    jsPresent: mmio.read32(GPU_JS_PRESENT) >>> 0,
    threadMaxThreads: mmio.read32(GPU_THREAD_MAX_THREADS) >>> 0,
    threadMaxWorkgroupSize: mmio.read32(GPU_THREAD_MAX_WORKGROUP_SIZE) >>> 0,
    threadMaxBarrierSize: mmio.read32(GPU_THREAD_MAX_BARRIER_SIZE) >>> 0,
    threadFeatures: mmio.read32(GPU_THREAD_FEATURES) >>> 0,
    coherencyFeatures: mmio.read32(GPU_COHERENCY_FEATURES) >>> 0,
    threadTlsAlloc: mmio.read32(GPU_THREAD_TLS_ALLOC) >>> 0,
    stackPresent: mmio.read32(GPU_STACK_PRESENT_LO) >>> 0,
    nrCoreGroups: popcount32(l2Present),
    textureFeatures: [0, 1, 2, 3].map((n) => mmio.read32(GPU_TEXTURE_FEATURES(n)) >>> 0),
    jsFeatures: Array.from({ length: 16 }, (_, n) => mmio.read32(GPU_JS_FEATURES(n)) >>> 0),
    shaderPresent: mmio.read32(GPU_SHADER_PRESENT_LO) >>> 0,
    tilerPresent: mmio.read32(GPU_TILER_PRESENT_LO) >>> 0,
    l2Present,
    afbcFeatures: mmio.read32(GPU_AFBC_FEATURES) >>> 0,
    hw: model?.features ?? MIDGARD,
  };
}

/** Number of set bits of a 32-bit word (hweight32). */
export function popcount32(v: number): number {
  let x = v >>> 0;
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

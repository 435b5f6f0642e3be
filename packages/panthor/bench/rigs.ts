/**
 * The set-ups of the panthor benchmarks: a probed G610 with a file and an active VM (VM_BIND
 * through the ioctl path), 1 GiB BOs (2 MiB-contiguous or scattered in 4 KiB pages) with the
 * same physical pages mapped by a bare io-pgtable next to the VM, and a one-user-slot G610 for
 * AS switches.
 */

import {
  type DrmSgSegment,
  type DrmSgTable,
  GemGpuvaList,
  type GpuVmGemObject,
  sgTableFromPages,
} from "@panmmu/drm";
import { createRng } from "@panmmu/fixtures";
import {
  createPlatform,
  mmuFeaturesPaBits,
  mmuFeaturesVaBits,
  type PlatformOptions,
  type SimPlatform,
} from "@panmmu/hw";
import {
  allocIoPgtableOps,
  IoPgtableFormat,
  type IoPgtableOps,
  orAddr,
  pgsizeChunk,
  SZ_2M,
  SZ_4K,
} from "@panmmu/iopgtable";
// The package's own entry point: in benchmark mode it resolves to the built `dist/`.
import {
  flagsToProt,
  PanthorClient,
  PanthorDevice,
  type PanthorVm,
  type PanthorVmBo,
  type VmBindOp,
} from "@panmmu/panthor";
import {
  CollectingWarningSink,
  DRM_IOCTL_PANTHOR_VM_BIND,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  DrmPanthorVmBind,
  type DrmPanthorVmBindArgs,
  DrmPanthorVmBindOp,
  writeObjArray,
} from "@panmmu/uapi";

/** 1 GiB. */
export const SZ_1G = 2 ** 30;
/** Where the 1 GiB BOs are mapped (1 GiB aligned). */
export const BIG_VA = 4 * SZ_1G;
/** Flags of the 1 GiB maps (read-write, cached). */
export const MAP_FLAGS = DRM_PANTHOR_VM_BIND_OP_TYPE_MAP;

function check(ret: number, what: string): void {
  if (ret !== 0) throw new Error(`${what} failed: ${ret}`);
}

/** A probed device with one open file (the bench's client). */
interface OpenDevice {
  readonly sim: SimPlatform;
  readonly dev: PanthorDevice;
  readonly client: PanthorClient;
  readonly warnings: CollectingWarningSink;
}

/** Probes a G610 (with `options`) and opens a file on it. */
function openDevice(options: Omit<PlatformOptions, "warnings">): OpenDevice {
  const warnings = new CollectingWarningSink();
  const sim = createPlatform("g610", { ...options, warnings });
  const dev = PanthorDevice.probe(sim.platform);
  if (typeof dev === "number") throw new Error(`probe: ${dev}`);
  const client = PanthorClient.open(dev, "bench");
  if (typeof client === "number") throw new Error(`open: ${client}`);
  return { sim, dev, client, warnings };
}

/** VM_CREATE on the file: the VM's id and the VM (the file's pool keeps it alive). */
function createVm(client: PanthorClient): { id: number; vm: PanthorVm } {
  const created = client.vmCreate();
  check(created.ret, "VM_CREATE");
  const vm = client.handle.priv.vms.get(created.id);
  if (vm === null) throw new Error("no VM");
  vm.put();
  return { id: created.id, vm };
}

/** A probed G610, a file, a VM with a 4 KiB BO, and prebuilt VM_BIND args to map/unmap a page. */
export interface BindRig {
  readonly sim: SimPlatform;
  readonly dev: PanthorDevice;
  readonly client: PanthorClient;
  readonly vm: PanthorVm;
  readonly warnings: CollectingWarningSink;
  /** VM_BIND args (ops array written once in the client's memory) mapping the page. */
  readonly mapArgs: DrmPanthorVmBindArgs;
  /** VM_BIND args unmapping it. */
  readonly unmapArgs: DrmPanthorVmBindArgs;
  /** The map op as the ioctl hands it to {@link PanthorVm.bindExecSyncOp}. */
  readonly mapOp: VmBindOp;
  /** The unmap op, likewise. */
  readonly unmapOp: VmBindOp;
}

/**
 * Builds a {@link BindRig}; the VM is made active, so every bind locks, flushes and unlocks a
 * region on the simulated MMU.
 */
export function bindRig(): BindRig {
  const { sim, dev, client, warnings } = openDevice({ seed: 3 });
  const { id, vm } = createVm(client);
  const bo = client.boCreate(BigInt(SZ_4K));
  check(bo.ret, "BO_CREATE");
  check(dev.mmu.vmActive(vm), "vmActive");
  const va = 0x1000_0000n;
  const op = { flags: 0, boHandle: 0, boOffset: 0n, va, size: BigInt(SZ_4K), syncsCount: 0 };
  const args = (flags: number, boHandle: number): DrmPanthorVmBindArgs => {
    const op = DrmPanthorVmBindOp.zero();
    op.flags = flags;
    op.bo_handle = boHandle;
    op.va = va;
    op.size = BigInt(SZ_4K);
    const arg = DrmPanthorVmBind.zero();
    arg.vm_id = id;
    arg.ops = writeObjArray(client.user, DrmPanthorVmBindOp, [op]);
    return arg;
  };
  return {
    sim,
    dev,
    client,
    vm,
    warnings,
    mapArgs: args(DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, bo.handle),
    unmapArgs: args(DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP, 0),
    mapOp: { ...op, flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, boHandle: bo.handle },
    unmapOp: { ...op, flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP },
  };
}

/** One synchronous VM_BIND ioctl with prebuilt args. */
export function vmBindIoctl(rig: BindRig, args: DrmPanthorVmBindArgs): void {
  check(rig.client.ioctl(DRM_IOCTL_PANTHOR_VM_BIND, DrmPanthorVmBind, args).ret, "VM_BIND");
}

/** A BO made of given system-memory pages (in the given order), each in a folio of `folio` bytes. */
export class PagesBo implements PanthorVmBo {
  readonly gpuva = new GemGpuvaList();
  readonly resv = {};
  readonly imported = false;
  exclusiveVmRootGem: GpuVmGemObject | null = null;
  readonly size: number;
  private readonly sg: DrmSgTable;

  constructor(
    readonly pages: readonly number[],
    private readonly folio: number,
  ) {
    this.size = pages.length * SZ_4K;
    this.sg = sgTableFromPages(pages);
  }
  pin(): number {
    return 0;
  }
  unpin(): void {}
  getPagesSgt(): DrmSgTable {
    return this.sg;
  }
  folioSizeAt(): number {
    return this.folio;
  }
}

/** 1 GiB of 2 MiB-aligned contiguous pages. */
function hugePages(sim: SimPlatform): number[] {
  const pages: number[] = [];
  for (let b = 0; b < SZ_1G / SZ_2M; b++) {
    const pa = sim.memory.allocContiguous(512, 512);
    if (pa === null) throw new Error("out of memory");
    for (let i = 0; i < 512; i++) pages.push(pa + i * SZ_4K);
  }
  return pages;
}

/** 1 GiB of single pages in a seeded random order (almost no two consecutive pages adjacent). */
function scatteredPages(sim: SimPlatform): number[] {
  const pages: number[] = [];
  for (let i = 0; i < SZ_1G / SZ_4K; i++) {
    const pa = sim.memory.allocPage();
    if (pa === null) throw new Error("out of memory");
    pages.push(pa);
  }
  const rng = createRng(13);
  for (let i = pages.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const t = pages[i] as number;
    pages[i] = pages[j] as number;
    pages[j] = t;
  }
  return pages;
}

/**
 * A G610 with 2 GiB of memory, an active user VM, a 1 GiB BO, and a bare io-pgtable
 * (ARM_64_LPAE_S1, 4K|2M, same ias/oas/coherency, tables from the same memory).
 */
export interface BigMapRig extends OpenDevice {
  readonly vm: PanthorVm;
  readonly bo: PagesBo;
  readonly bare: IoPgtableOps<null>;
  /** Number of segments of the BO's sg table. */
  readonly segments: number;
}

/** Builds a {@link BigMapRig} with a 2 MiB-contiguous (`huge`) or a scattered BO. */
export function bigMapRig(huge: boolean): BigMapRig {
  const opened = openDevice({ seed: 1, memory: { size: 2 * SZ_1G } });
  const { sim, dev } = opened;
  const { vm } = createVm(opened.client);
  check(dev.mmu.vmActive(vm), "vmActive");
  const pages = huge ? hugePages(sim) : scatteredPages(sim);
  const bo = new PagesBo(pages, huge ? SZ_2M : SZ_4K);
  const features = dev.mmu.env.mmuFeatures;
  const bare = allocIoPgtableOps(
    IoPgtableFormat.ARM_64_LPAE_S1,
    {
      pgsizeBitmap: SZ_4K | SZ_2M,
      ias: mmuFeaturesVaBits(features),
      oas: mmuFeaturesPaBits(features),
      coherentWalk: dev.mmu.env.coherent,
      memory: sim.memory,
    },
    null,
  );
  if (bare === null) throw new Error("io-pgtable refused");
  return { ...opened, vm, bo, bare, segments: bo.getPagesSgt().segments.length };
}

/** The VM maps the whole BO at {@link BIG_VA} (panthor_vm_map_bo_range()). */
export function vmMapBig(rig: BigMapRig): void {
  check(rig.vm.mapBoRange(rig.bo, 0, SZ_1G, BIG_VA, MAP_FLAGS), "mapBoRange");
}

/** The VM unmaps it again. */
export function vmUnmapBig(rig: BigMapRig): void {
  check(rig.vm.unmapRange(BIG_VA, SZ_1G), "unmapRange");
}

const BARE_PROT = flagsToProt(MAP_FLAGS);

/**
 * The bare io-pgtable maps the same pages at the same VA with the same chunking as the VM's
 * page writer: per sg segment, the largest (pgsize, count) for the VA|PA alignment.
 */
export function bareMapBig(rig: BigMapRig): void {
  const ops = rig.bare;
  const segs: readonly DrmSgSegment[] = rig.bo.getPagesSgt().segments;
  let iova = BIG_VA;
  for (let s = 0; s < segs.length; s++) {
    const seg = segs[s] as DrmSgSegment;
    let paddr = seg.pa;
    let len = seg.size;
    while (len > 0) {
      const { pgsize, count } = pgsizeChunk(orAddr(iova, paddr), len);
      check(ops.mapPages(iova, paddr, pgsize, count, BARE_PROT), "mapPages");
      const mapped = ops.mapped;
      iova += mapped;
      paddr += mapped;
      len -= mapped;
    }
  }
}

/** The bare io-pgtable unmaps the range (largest chunks, as the VM's page writer does). */
export function bareUnmapBig(rig: BigMapRig): void {
  let off = 0;
  while (off < SZ_1G) {
    const { pgsize, count } = pgsizeChunk(BIG_VA + off, SZ_1G - off);
    const n = rig.bare.unmapPages(BIG_VA + off, pgsize, count, null);
    if (n === 0) throw new Error("unmap made no progress");
    off += n;
  }
}

/**
 * Frees everything a {@link BigMapRig} holds in its memory (the VM must be unmapped); throws
 * if the driver WARNed on the way.
 */
export function releaseBigMapRig(rig: BigMapRig): void {
  rig.bare.free();
  rig.dev.mmu.vmIdle(rig.vm);
  rig.client.close();
  for (const pa of rig.bo.pages) rig.sim.memory.freePage(pa);
  if (rig.warnings.warnings.length !== 0) throw new Error("kernel warnings during the bench");
}

/** A G610 with one user AS slot (AS_PRESENT 0x3: AS0 for the MCU, AS1) and two user VMs. */
export interface AsRig {
  readonly sim: SimPlatform;
  readonly dev: PanthorDevice;
  readonly a: PanthorVm;
  readonly b: PanthorVm;
}

/** Builds an {@link AsRig}. */
export function asRig(): AsRig {
  const { sim, dev, client } = openDevice({ seed: 3, overrides: { asPresent: 0x3 } });
  return { sim, dev, a: createVm(client).vm, b: createVm(client).vm };
}

/**
 * The panthor MMU core on a simulated Mali-G610: real registers, MMU, walker, TLB and system
 * memory, with BOs whose pages come from that memory (optionally in 2 MiB-contiguous folios).
 */
import { createPlatform, GpuAccessKind, type PlatformOptions, type SimPlatform } from "@panmmu/hw";
import { CollectingWarningSink } from "@panmmu/uapi";
import { PanthorGpu } from "../../src/device/gpu.js";
import { platformMmuEnv } from "../../src/device/mmu-env.js";
import { attachMmuIrq } from "../../src/device/mmu-irq.js";
import { PanthorMmu } from "../../src/mmu/as-manager.js";
import { vmCreateCheckArgs } from "../../src/mmu/va-range.js";
import { PtCache } from "../../src/vm/pt-cache.js";
import { PanthorVm } from "../../src/vm/vm.js";
import { PageListBo } from "./page-list-bo.js";

const SZ_2M = 0x20_0000;

/** A BO whose pages are system-memory pages of the simulated platform. */
export class SysBo extends PageListBo {
  /**
   * @param sim - the platform whose memory backs the BO.
   * @param size - bytes (multiple of 4 KiB).
   * @param huge - take 2 MiB-aligned contiguous folios for every whole 2 MiB.
   */
  constructor(
    private readonly sim: SimPlatform,
    size: number,
    huge = false,
  ) {
    super(size);
    let done = 0;
    while (done < size) {
      if (huge && size - done >= SZ_2M) {
        const pa = sim.memory.allocContiguous(512, 512);
        if (pa === null) throw new Error("out of memory");
        for (let i = 0; i < 512; i++) {
          this.pages.push(pa + i * 4096);
          this.folios.push(SZ_2M);
        }
        done += SZ_2M;
      } else {
        const pa = sim.memory.allocPage();
        if (pa === null) throw new Error("out of memory");
        this.pages.push(pa);
        this.folios.push(4096);
        done += 4096;
      }
    }
    this.seal();
  }
  /** Frees the pages (the BO must be unmapped everywhere). */
  release(): void {
    for (const pa of this.pages) this.sim.memory.freePage(pa);
    this.pages.length = 0;
  }
}

/** A G610 platform with the panthor GPU and MMU blocks attached. */
export interface HwStack {
  readonly sim: SimPlatform;
  readonly warnings: CollectingWarningSink;
  readonly gpu: PanthorGpu;
  readonly mmu: PanthorMmu;
  readonly cache: PtCache;
  /** GPU resets the MMU code asked for. */
  readonly resets: number;
  /** A user VM with the default VA split (47-bit process). */
  userVm(): PanthorVm;
  /** The MCU's VM: [0, 4 GiB), kernel auto-VA range at 0x0400_0000 of 0x0400_0000. */
  mcuVm(): PanthorVm;
}

/** Builds a {@link HwStack}. */
export function makeHwStack(options: PlatformOptions = {}): HwStack {
  const warnings = new CollectingWarningSink();
  const sim = createPlatform("g610", { seed: 1, warnings, ...options });
  const gpu = new PanthorGpu(sim.platform.mmio, sim.platform.loop, warnings);
  gpu.attach(sim.platform.irqs.gpu);
  const counter = { resets: 0 };
  const env = platformMmuEnv(sim.platform, gpu, () => {
    counter.resets++;
  });
  const mmu = new PanthorMmu(env);
  const cache = new PtCache(env.memory);
  attachMmuIrq(sim.platform.irqs.mmu, sim.platform.mmio, mmu);
  return {
    sim,
    warnings,
    gpu,
    mmu,
    cache,
    get resets() {
      return counter.resets;
    },
    userVm(): PanthorVm {
      return createUserVm(mmu, cache);
    },
    mcuVm(): PanthorVm {
      const vm = PanthorVm.create(mmu, cache, {
        forMcu: true,
        kernelVaStart: 0,
        kernelVaSize: 2 ** 32,
        autoKernelVaStart: 0x0400_0000,
        autoKernelVaSize: 0x0400_0000,
      });
      if (typeof vm === "number") throw new Error(`MCU VM creation failed: ${vm}`);
      return vm;
    },
  };
}

/**
 * Creates a user VM the way VM_CREATE does with a zero user VA range and a full 47-bit kernel
 * range request: the kernel VA range is what `vmCreateCheckArgs` derives from the MMU's VA bits.
 */
export function createUserVm(mmu: PanthorMmu, cache: PtCache): PanthorVm {
  const layout = vmCreateCheckArgs(mmu.env.mmuFeatures & 0xff, 0n, 0, 1n << 47n);
  if (layout.ret !== 0) throw new Error(`VM layout rejected: ${layout.ret}`);
  const start = Number(layout.kernelVaStart);
  const size = Number(layout.kernelVaRange);
  const vm = PanthorVm.create(mmu, cache, {
    forMcu: false,
    kernelVaStart: start,
    kernelVaSize: size,
    autoKernelVaStart: start,
    autoKernelVaSize: size,
  });
  if (typeof vm === "number") throw new Error(`VM creation failed: ${vm}`);
  return vm;
}

/**
 * Reads 4 bytes at `va` through AS `as` with the hw access probe (running the loop until it is
 * done); the value, or -(exception code) when the access failed.
 */
export function gpuRead(sim: SimPlatform, as: number, va: number): number {
  const run = sim.gpu.accessProbe.start({
    as,
    accesses: [{ va, kind: GpuAccessKind.Read, size: 4 }],
  });
  sim.loop.runUntil(() => run.done, 1_000_000);
  const r = run.results[0];
  return run.status === 1 && r !== undefined ? r.value : -run.status;
}

/** Reads a 32-bit GPU register. */
export function readReg(sim: SimPlatform, off: number): number {
  return sim.platform.mmio.read32(off) >>> 0;
}

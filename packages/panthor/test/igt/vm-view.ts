/**
 * What the IGT ports look at beyond the ioctl results: the VA layout of a VM (drm_gpuvm's
 * mappings) and what its page table translates, so that every port also checks the state the
 * ioctls left behind.
 */
import { AsConfig, mmuFeaturesPaBits, mmuFeaturesVaBits, WalkResult, walk } from "@panmmu/hw";
import { expect } from "vitest";
import { vmTranscfg } from "../../src/mmu/transcfg.js";
import type { PanthorVm } from "../../src/vm/vm.js";
import type { IgtPanthor } from "./igt-lib.js";

/** Runs `f` on the VM `vmId` of the test's file (a reference held around the call). */
export function withVm<R>(t: IgtPanthor, vmId: number, f: (vm: PanthorVm) => R): R {
  const vm = t.fd.handle.priv.vms.get(vmId);
  if (vm === null) throw new Error(`no VM ${vmId}`);
  try {
    return f(vm);
  } finally {
    vm.put();
  }
}

/** The VM's mappings as `[va, size]` pairs in VA order. */
export function layout(t: IgtPanthor, vmId: number): Array<[number, number]> {
  return withVm(t, vmId, (vm) => vm.mappings().map((m) => [Number(m.addr), Number(m.range)]));
}

/**
 * Whether the GPU's MMU translates `va` in the VM: a walk of its page table by the hardware
 * model with the AS configuration panthor_vm_active() would latch.
 */
export function gpuTranslates(t: IgtPanthor, vm: PanthorVm, va: number): boolean {
  const env = t.dev.mmu.env;
  const vaBits = mmuFeaturesVaBits(env.mmuFeatures);
  const cfg = new AsConfig();
  cfg.raw.set([
    vm.transtab >>> 0,
    Math.floor(vm.transtab / 2 ** 32),
    vm.memattrLo,
    vm.memattrHi,
    vmTranscfg(vaBits, env.coherent),
    0,
  ]);
  cfg.decode({ vaBits, paBits: mmuFeaturesPaBits(env.mmuFeatures), aarch64: true, legacy: false });
  return walk(t.sim.memory, cfg, va, new WalkResult()) === 0;
}

/**
 * Asserts the page table agrees with the VA layout: the GPU translates the first and last page
 * of every mapping, and none of the VAs of `holes`.
 */
export function expectPageTable(t: IgtPanthor, vmId: number, holes: readonly number[] = []): void {
  withVm(t, vmId, (vm) => {
    for (const m of vm.mappings()) {
      const first = Number(m.addr);
      const last = first + Number(m.range) - 0x1000;
      expect(gpuTranslates(t, vm, first)).toBe(true);
      expect(gpuTranslates(t, vm, last)).toBe(true);
    }
    for (const va of holes) expect(gpuTranslates(t, vm, va)).toBe(false);
  });
}

/** The GEM handle of the BO mapped at `va` in the VM, or 0 when nothing is mapped there. */
export function handleAt(
  t: IgtPanthor,
  vmId: number,
  va: number,
  handles: readonly number[],
): number {
  const found = withVm(t, vmId, (vm) => vm.getBoForVa(va));
  if (typeof found === "number") return 0;
  for (const h of handles) {
    const obj = t.fd.handle.file.gemObjectLookup(h);
    obj?.put();
    if ((obj as unknown) === found.bo) return h;
  }
  return -1;
}

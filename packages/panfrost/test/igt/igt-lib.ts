/**
 * The parts of IGT's lib/igt_panfrost.c and lib/ioctl_wrappers.c the panfrost tests use,
 * over the simulated stack: same ioctls, same argument values, same byte images.
 */
import type { DrmVma } from "@panmmu/drm";
import { igtJobLoopImage, igtNullJobImage, igtWriteValueJobImage } from "@panmmu/hw";
import { ETIME } from "@panmmu/uapi";
import { expect } from "vitest";
import type { PanfrostClient } from "../../src/client/client.js";

/** DRM_SYNCOBJ_CREATE_SIGNALED. */
export const DRM_SYNCOBJ_CREATE_SIGNALED = 1;
/** IGT's SHORT_TIME_NSEC: 100 ms. */
export const SHORT_TIME_NSEC = 100_000_000;
/** IGT's BAD_JOB_TIME_NSEC: short time + scheduler timeout + reset time = 700 ms. */
export const BAD_JOB_TIME_NSEC = 700_000_000;

/** struct panfrost_bo of IGT. */
export interface IgtBo {
  handle: number;
  offset: number;
  size: number;
  map: DrmVma | null;
}

/** struct panfrost_submit of IGT. */
export interface IgtSubmit {
  submitBo: IgtBo;
  jc: number;
  boHandles: number[];
  outSync: number;
}

/** igt_panfrost_gem_new(): CREATE_BO {size, flags 0, pad 0}, asserting success. */
export function igtPanfrostGemNew(c: PanfrostClient, size: number): IgtBo {
  const r = c.createBo(size, 0);
  expect(r.ret).toBe(0);
  return { handle: r.handle, offset: r.offset, size, map: null };
}

/** igt_panfrost_bo_mmap(): MMAP_BO then mmap RW, asserting a mapping. */
export function igtPanfrostBoMmap(c: PanfrostClient, bo: IgtBo): DrmVma {
  const v = c.map(bo.handle);
  expect(typeof v).not.toBe("number");
  bo.map = v as DrmVma;
  return bo.map;
}

/** gem_close(): asserts the handle is non-zero and GEM_CLOSE succeeds. */
export function gemClose(c: PanfrostClient, handle: number): void {
  expect(handle).not.toBe(0);
  expect(c.gemClose(handle)).toBe(0);
}

/** igt_panfrost_free_bo(): munmap if mapped, then GEM_CLOSE. */
export function igtPanfrostFreeBo(c: PanfrostClient, bo: IgtBo | null): void {
  if (bo === null) return;
  bo.map?.munmap();
  gemClose(c, bo.handle);
}

function submitFor(c: PanfrostClient, bo: IgtBo, image: Uint8Array): IgtSubmit {
  const map = igtPanfrostBoMmap(c, bo);
  map.write(0, image);
  const s = c.syncobjCreate(DRM_SYNCOBJ_CREATE_SIGNALED);
  expect(s.ret).toBe(0);
  return { submitBo: bo, jc: bo.offset, boHandles: [bo.handle], outSync: s.handle };
}

/** igt_panfrost_null_job(). */
export function igtPanfrostNullJob(c: PanfrostClient): IgtSubmit {
  const bo = igtPanfrostGemNew(c, 32);
  return submitFor(c, bo, igtNullJobImage());
}

/** igt_panfrost_write_value_job(). */
export function igtPanfrostWriteValueJob(c: PanfrostClient, triggerPageFault: boolean): IgtSubmit {
  const bo = igtPanfrostGemNew(c, 32 + 16 + 8);
  return submitFor(c, bo, igtWriteValueJobImage(bo.offset, triggerPageFault));
}

/** igt_panfrost_job_loop(). */
export function igtPanfrostJobLoop(c: PanfrostClient): IgtSubmit {
  const bo = igtPanfrostGemNew(c, 128);
  return submitFor(c, bo, igtJobLoopImage(bo.offset));
}

/** The submit ioctl with the struct IGT fills (in_syncs 0, requirements 0). */
export function doSubmit(
  c: PanfrostClient,
  s: IgtSubmit,
  over: { requirements?: number } = {},
): number {
  return c.submit({
    jc: s.jc,
    boHandles: s.boHandles,
    outSync: s.outSync,
    ...(over.requirements === undefined ? {} : { requirements: over.requirements }),
  });
}

/** igt_panfrost_free_job(). */
export function igtPanfrostFreeJob(c: PanfrostClient, s: IgtSubmit): void {
  igtPanfrostFreeBo(c, s.submitBo);
}

/** syncobj_wait(fd, &h, 1, abs, 0, NULL): false on -ETIME, asserts on other errors. */
export function syncobjWait(c: PanfrostClient, handle: number, absNs: number): boolean {
  const r = c.syncobjWait([handle], absNs, 0);
  if (r === -ETIME) return false;
  expect(r).toBe(0);
  return true;
}

/** check_done(): exception_status == 1 and fault_pointer == 0. */
export function checkDone(map: DrmVma, headerOffset = 0): void {
  expect(map.readU32(headerOffset)).toBe(1);
  expect(map.readU32(headerOffset + 8)).toBe(0);
  expect(map.readU32(headerOffset + 12)).toBe(0);
}

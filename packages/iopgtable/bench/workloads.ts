/**
 * The benchmark workloads of issue 4, shared by the vitest bench file and the heap script:
 * (1) 1 GiB of 4 KiB pages as 512 calls × 512 pages at iova 0x80200000 from paddr
 * 0x100000000, (2) 512 × 2 MiB blocks in one call, (3) random lookups; plus the baselines
 * that store the same number of descriptors into preallocated Uint32Array pages.
 */
import {
  ArrayPageTableMemory,
  allocIoPgtableOps,
  IOMMU_READ,
  IOMMU_WRITE,
  type IoPgtableFormat,
  type IoPgtableOps,
  SZ_1G,
  SZ_2M,
  SZ_4K,
} from "../src/index.js";

/** Start iova of workload (1): 2 MiB- but not 1 GiB-aligned. */
export const PAGES_IOVA = 0x80200000;
/** Start paddr of workload (1). */
export const PAGES_PADDR = 0x100000000;
/** Calls and pages per call of workload (1). */
export const PAGE_CALLS = 512;
/** Pages per call in workload (1). */
export const PAGES_PER_CALL = 512;
/** Start iova of workload (2). */
export const BLOCKS_IOVA = 0x4000000000;
/** Start paddr of workload (2). */
export const BLOCKS_PADDR = 0x200000000;
/** Blocks mapped by workload (2). */
export const BLOCK_COUNT = 512;

const PROT = IOMMU_READ | IOMMU_WRITE;
/** Local copies, so that the loops below read plain constants under any module loader. */
const PAGE = SZ_4K;
const BLOCK = SZ_2M;

/** A fresh table for `fmt` at ias 48 (oas 48 for S1, 40 for Mali), coherent, 4K|2M|1G. */
export function freshTable(
  fmt: IoPgtableFormat,
  memory: ArrayPageTableMemory = new ArrayPageTableMemory(),
): IoPgtableOps<null> {
  const ops = allocIoPgtableOps(
    fmt,
    {
      pgsizeBitmap: SZ_4K | SZ_2M | SZ_1G,
      ias: 48,
      oas: fmt === "ARM_MALI_LPAE" ? 40 : 48,
      coherentWalk: true,
      memory,
    },
    null,
  );
  if (ops === null) throw new Error("allocIoPgtableOps refused the bench config");
  return ops;
}

/** Workload (1) map: 512 calls of 512 pages; returns the bytes mapped. */
export function mapPages1G(ops: IoPgtableOps<null>): number {
  let iova = PAGES_IOVA;
  let paddr = PAGES_PADDR;
  let total = 0;
  for (let c = 0; c < PAGE_CALLS; c++) {
    const ret = ops.mapPages(iova, paddr, PAGE, PAGES_PER_CALL, PROT);
    if (ret !== 0) throw new Error(`map failed: ${ret}`);
    total += ops.mapped;
    iova += ops.mapped;
    paddr += ops.mapped;
  }
  return total;
}

/** Workload (1) unmap: 512 calls of 512 pages (NULL gather, as panthor passes). */
export function unmapPages1G(ops: IoPgtableOps<null>): number {
  let iova = PAGES_IOVA;
  let total = 0;
  for (let c = 0; c < PAGE_CALLS; c++) {
    const n = ops.unmapPages(iova, PAGE, PAGES_PER_CALL, null);
    if (n === 0) throw new Error("unmap made no progress");
    total += n;
    iova += n;
  }
  return total;
}

/** Workload (2) map: 512 × 2 MiB in one call. */
export function mapBlocks(ops: IoPgtableOps<null>): number {
  const ret = ops.mapPages(BLOCKS_IOVA, BLOCKS_PADDR, BLOCK, BLOCK_COUNT, PROT);
  if (ret !== 0) throw new Error(`block map failed: ${ret}`);
  return ops.mapped;
}

/** Workload (2) unmap: 512 × 2 MiB in one call. */
export function unmapBlocks(ops: IoPgtableOps<null>): number {
  return ops.unmapPages(BLOCKS_IOVA, BLOCK, BLOCK_COUNT, null);
}

/** Random 4 KiB-granular iovas inside the workload (1) range, with a random page offset. */
export function randomIovas(count: number, seed = 1): Float64Array {
  const out = new Float64Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const page = s % (PAGE_CALLS * PAGES_PER_CALL);
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = PAGES_IOVA + page * PAGE + (s & 0xfff);
  }
  return out;
}

/** Preallocated pages for the baselines: 512 pages of 1024 words. */
export function baselinePages(count = PAGE_CALLS): Uint32Array[] {
  const pages: Uint32Array[] = [];
  for (let i = 0; i < count; i++) pages.push(new Uint32Array(1024));
  return pages;
}

/**
 * Baseline for (1) map: store `perPage` descriptors (lo/hi) into each preallocated page, the
 * address advancing 4 KiB per descriptor, in plain int32 arithmetic.
 */
export function baselineStore(pages: Uint32Array[], perPage: number): number {
  let lo = (PAGES_PADDR % 4294967296) | 0;
  let hi = Math.floor(PAGES_PADDR / 4294967296);
  let sum = 0;
  for (let p = 0; p < pages.length; p++) {
    const t = pages[p]!;
    for (let k = 0; k < 2 * perPage; k += 2) {
      t[k] = lo | 0xe43;
      t[k + 1] = hi;
      lo = (lo + PAGE) | 0;
      if (lo === 0) hi++;
    }
    sum += t[0]!;
  }
  return sum;
}

/** Baseline for (1) unmap: clear the same descriptors. */
export function baselineClear(pages: Uint32Array[], perPage: number): number {
  let sum = 0;
  for (let p = 0; p < pages.length; p++) {
    const t = pages[p]!;
    for (let k = 0; k < 2 * perPage; k += 2) {
      sum += t[k]!;
      t[k] = 0;
      t[k + 1] = 0;
    }
  }
  return sum;
}

/** Baseline for (3): read one descriptor per lookup from preallocated pages. */
export function baselineLookups(pages: Uint32Array[], iovas: Float64Array): number {
  let sum = 0;
  const n = pages.length;
  for (let i = 0; i < iovas.length; i++) {
    const iova = iovas[i]!;
    const page = (iova - PAGES_IOVA) / PAGE;
    const t = pages[(page >>> 9) % n]!;
    sum += t[(page & 511) << 1]! | (iova & 0xfff);
  }
  return sum;
}

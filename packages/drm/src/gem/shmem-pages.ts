/**
 * The page arrays behind shmem objects: allocation (2 MiB runs where they fit, else single
 * pages), filling the holes of a sparse array, freeing, and the contiguous runs of a range.
 * Page arrays hold one physical address per object page, -1 for a page not allocated yet.
 */
import { PAGE_SIZE, type PhysicalMemory } from "@panmmu/hw";
import { EINVAL, ENOMEM } from "@panmmu/uapi";

/** Pages in a 2 MiB block: the allocator run shmem tries for every 2 MiB-aligned 2 MiB of an object. */
export const SHMEM_HUGE_PAGES = 512;

/**
 * Allocates the `n` pages of a whole object: a 2 MiB-aligned run of 512 pages for every
 * 2 MiB-aligned, fully covered 2 MiB when the allocator has one, else single pages. Returns
 * the array, or null (after freeing what this call allocated) when memory runs out.
 *
 * Mirrors drm_gem_get_pages() over a huge-page tmpfs mapping.
 */
export function shmemAllocPages(mem: PhysicalMemory, n: number): number[] | null {
  const pages: number[] = [];
  let i = 0;
  while (i < n) {
    if (i % SHMEM_HUGE_PAGES === 0 && n - i >= SHMEM_HUGE_PAGES) {
      const run = mem.allocContiguous(SHMEM_HUGE_PAGES, SHMEM_HUGE_PAGES);
      if (run !== null) {
        for (let k = 0; k < SHMEM_HUGE_PAGES; k++) pages.push(run + k * PAGE_SIZE);
        i += SHMEM_HUGE_PAGES;
        continue;
      }
    }
    const pa = mem.allocPage();
    if (pa === null) {
      for (const p of pages) mem.freePage(p);
      return null;
    }
    pages.push(pa);
    i++;
  }
  return pages;
}

/**
 * Gives every missing page of `list[first, end)` a page: one 2 MiB run for a 2 MiB-aligned
 * block of the range that has no page at all (when the allocator has one), else single pages.
 * Returns 0, or -ENOMEM, keeping the pages allocated before the failure in `list`.
 *
 * Mirrors the per-page shmem_read_mapping_page() loop of panfrost_mmu_map_fault_addr().
 */
export function shmemFillPages(
  mem: PhysicalMemory,
  list: number[],
  first: number,
  end: number,
): number {
  let i = first;
  while (i < end) {
    if ((list[i] as number) >= 0) {
      i++;
      continue;
    }
    if (i % SHMEM_HUGE_PAGES === 0 && end - i >= SHMEM_HUGE_PAGES && holeRun(list, i)) {
      const run = mem.allocContiguous(SHMEM_HUGE_PAGES, SHMEM_HUGE_PAGES);
      if (run !== null) {
        for (let k = 0; k < SHMEM_HUGE_PAGES; k++) list[i + k] = run + k * PAGE_SIZE;
        i += SHMEM_HUGE_PAGES;
        continue;
      }
    }
    const pa = mem.allocPage();
    if (pa === null) return -ENOMEM;
    list[i] = pa;
    i++;
  }
  return 0;
}

/** Whether the 512 entries of `list` from `from` all lack a page. */
function holeRun(list: readonly number[], from: number): boolean {
  for (let k = 0; k < SHMEM_HUGE_PAGES; k++) if ((list[from + k] as number) >= 0) return false;
  return true;
}

/** Frees every page `pages` holds (entries of -1 have none). */
export function shmemFreePages(mem: PhysicalMemory, pages: readonly number[]): void {
  for (const pa of pages) if (pa >= 0) mem.freePage(pa);
}

/**
 * The physically contiguous runs of pages `[first, first + count)` of `list`, all of which must
 * exist, as `[pa, bytes]` pairs in order (the scatter-gather list of that range); -EINVAL when
 * the range is outside `pageCount` pages or a page is missing.
 */
export function shmemPageSegments(
  list: readonly number[],
  pageCount: number,
  first: number,
  count: number,
): Array<[number, number]> | number {
  if (first < 0 || count <= 0 || first + count > pageCount) return -EINVAL;
  const out: Array<[number, number]> = [];
  let runPa = -1;
  let runLen = 0;
  for (let i = first; i < first + count; i++) {
    const pa = list[i] as number;
    if (pa < 0) return -EINVAL;
    if (runPa >= 0 && pa === runPa + runLen) {
      runLen += PAGE_SIZE;
    } else {
      if (runPa >= 0) out.push([runPa, runLen]);
      runPa = pa;
      runLen = PAGE_SIZE;
    }
  }
  out.push([runPa, runLen]);
  return out;
}

/**
 * What the MMU fault path asks of the driver: grow a heap BO on a fault inside it, describe
 * what a faulting address hits, and name the file that owns the faulting context.
 */
import { PAGE_SIZE } from "@panmmu/hw";
import { EINVAL, ENOENT } from "@panmmu/uapi";
import type { FaultTarget } from "../debug/fault-log.js";
import type { PanfrostFilePriv } from "../file/file-priv.js";
import type { MmuContext, VaNode } from "../mmu/context.js";
import type { FaultResolver, PanfrostMmu } from "../mmu/mmu.js";
import type { PanfrostBo } from "./bo.js";
import { growHeapOnFault } from "./heap.js";
import type { BoMapping } from "./mapping.js";

/** The device's {@link FaultResolver}, over its MMU block and its open files. */
export class PanfrostFaultResolver implements FaultResolver {
  /**
   * @param mmu - the MMU block (heap growth maps through it).
   * @param files - the open files' driver state (the device's live list).
   */
  constructor(
    private readonly mmu: PanfrostMmu,
    private readonly files: readonly PanfrostFilePriv[],
  ) {}

  /**
   * Grows a heap BO on a translation fault inside it; anything else is terminal. Mirrors the
   * mapping lookup of panfrost_mmu_map_fault_addr() (addr_to_mapping()).
   */
  handleFault(ctx: MmuContext, va: number): { ret: number; reason: string } {
    const node = ctx.findNode(Math.floor(va / PAGE_SIZE)) as VaNode<BoMapping> | undefined;
    const mapping = node?.owner ?? null;
    if (mapping === null) return { ret: -ENOENT, reason: "no mapping" };
    const bo = mapping.bo as PanfrostBo;
    if (!bo.isHeap) {
      return {
        ret: -EINVAL,
        reason: mapping.active ? "access not permitted by the mapping" : "BO not mapped (purged?)",
      };
    }
    return growHeapOnFault(this.mmu, bo, mapping, va);
  }

  /** What `va` hits in `ctx`: the BO containing it, or the nearest one. */
  describe(ctx: MmuContext, va: number): FaultTarget {
    const owner = this.files.find((f) => f.ctx === ctx);
    let nearest: { d: number; m: BoMapping } | null = null;
    for (const n of ctx.nodes() as Generator<VaNode<BoMapping>>) {
      const m = n.owner;
      if (m === null) continue;
      const start = n.start * PAGE_SIZE;
      const end = start + n.size * PAGE_SIZE;
      if (va >= start && va < end) {
        const bo = m.bo as PanfrostBo;
        return {
          kind: "bo",
          boId: bo.id,
          handle: owner === undefined ? 0 : owner.file.gemHandleOf(bo),
          boSize: bo.size,
          heap: bo.isHeap,
          exec: !bo.noexec,
          offset: va - start,
          boVa: start,
          label: bo.label,
        };
      }
      const d = va < start ? start - va : va - end + 1;
      if (nearest === null || d < nearest.d) nearest = { d, m };
    }
    return {
      kind: "none",
      nearestDistance: nearest?.d ?? null,
      nearestVa: nearest?.m.iova ?? null,
      nearestBoId: nearest?.m.bo.id ?? null,
    };
  }

  /** The file owning `ctx` (its terminal-fault count goes up). */
  owner(ctx: MmuContext): { fileName: string; clientId: number } | null {
    const f = this.files.find((x) => x.ctx === ctx);
    if (f === undefined) return null;
    f.faults++;
    return { fileName: f.name, clientId: f.clientId };
  }
}

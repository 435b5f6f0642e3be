/**
 * The device's GEM list with labels, as debugfs `gems` prints it: every live BO (user and
 * kernel) with its creator, global name, reference count, size, resident size, mmap offset,
 * state and usage flags and label, then the totals.
 */
import type { DrmDevice, DrmGemObject } from "@panmmu/drm";
import type { PanthorFilePriv } from "../file/file-priv.js";
import { PanthorBo } from "../gem/bo.js";

/** GEM state flag: imported from another device. Mirrors PANTHOR_DEBUGFS_GEM_STATE_FLAG_IMPORTED. */
export const PANTHOR_GEM_STATE_FLAG_IMPORTED = 1 << 0;
/** GEM state flag: exported as a dma-buf. Mirrors PANTHOR_DEBUGFS_GEM_STATE_FLAG_EXPORTED. */
export const PANTHOR_GEM_STATE_FLAG_EXPORTED = 1 << 1;

/** One BO of the list. */
export interface GemDumpRow {
  /** GEM object id (the model's; the kernel prints no id). */
  readonly id: number;
  /** Who made it (`process/tgid` in the kernel; see {@link PanthorBo.creator}). */
  readonly creator: string;
  /** Global (flink) name, 0 without one. */
  readonly globalName: number;
  /** References held on the object. */
  readonly refcount: number;
  /** Size in bytes. */
  readonly size: number;
  /** Bytes with pages behind them (the whole size, or 0). */
  readonly residentSize: number;
  /** Fake mmap offset (0 without one). */
  readonly fileOffset: number;
  /** PANTHOR_GEM_STATE_FLAG_* bits. */
  readonly state: number;
  /** PANTHOR_GEM_USAGE_FLAG_* bits. */
  readonly usage: number;
  /** Label, or "". */
  readonly label: string;
}

/** The list and its totals. */
export interface GemsDump {
  /** Every live BO, in creation order. */
  readonly rows: readonly GemDumpRow[];
  /** Sum of the sizes. */
  readonly totalSize: number;
  /** Sum of the resident sizes. */
  readonly totalResident: number;
  /** Resident bytes the shrinker could take (panthor never marks BOs purgeable: 0). */
  readonly totalReclaimable: number;
}

/** The device's live BOs. Mirrors the data of panthor_gem_debugfs_print_bos(). */
export function dumpGems(drm: DrmDevice<PanthorFilePriv>): GemsDump {
  const rows: GemDumpRow[] = [];
  let totalSize = 0;
  let totalResident = 0;
  const bos = [...drm.objects].filter((o): o is DrmGemObject & PanthorBo => o instanceof PanthorBo);
  bos.sort((a, b) => a.id - b.id);
  for (const bo of bos) {
    // BOs being destroyed are skipped.
    if (bo.refcount === 0) continue;
    const resident = bo.imported || bo.pages !== null ? bo.size : 0;
    let state = 0;
    if (bo.imported) state |= PANTHOR_GEM_STATE_FLAG_IMPORTED;
    // An imported object knows its dma-buf too: the kernel prints both flags for it.
    if (bo.dmaBuf !== null) state |= PANTHOR_GEM_STATE_FLAG_EXPORTED;
    rows.push({
      id: bo.id,
      creator: bo.creator,
      globalName: bo.name,
      refcount: bo.refcount,
      size: bo.size,
      residentSize: resident,
      fileOffset: bo.vmaNode.offsetAddr,
      state,
      usage: bo.usageFlags,
      label: bo.label ?? "",
    });
    totalSize += bo.size;
    totalResident += resident;
  }
  return { rows, totalSize, totalResident, totalReclaimable: 0 };
}

const col = (v: string | number, w: number): string => String(v).padEnd(w);
const hexCol = (v: number, w: number): string => `0x${v.toString(16).padEnd(w)}`;

/** The list as debugfs `gems` prints it. Mirrors panthor_gem_debugfs_print_bos(). */
export function formatGemsDump(d: GemsDump): string {
  const out = [
    "GEM state flags: imported (0x1), exported (0x2)",
    "GEM usage flags: kernel (0x1), fw-mapped (0x2)",
    "created-by                      global-name     refcount        size            resident-size   file-offset       state      usage       label",
    "-".repeat(142),
  ];
  for (const r of d.rows) {
    out.push(
      col(r.creator, 32) +
        col(r.globalName, 16) +
        col(r.refcount, 16) +
        col(r.size, 16) +
        col(r.residentSize, 16) +
        hexCol(r.fileOffset, 16) +
        `${hexCol(r.state, 8)} ${hexCol(r.usage, 10)}` +
        r.label,
    );
  }
  out.push("=".repeat(142));
  out.push(
    `Total size: ${d.totalSize}, Total resident: ${d.totalResident}, Total reclaimable: ${d.totalReclaimable}`,
  );
  return out.join("\n");
}

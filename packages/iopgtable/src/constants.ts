/**
 * Constants shared by the io-pgtable API: formats, IOMMU protection flags, quirks and the few
 * errno values the page-table code returns. Values are the kernel's own (include/linux/iommu.h,
 * include/linux/io-pgtable.h, asm-generic/errno-base.h), so numbers cross the API unchanged.
 */

/** Page-table formats this package implements (a subset of the kernel's `enum io_pgtable_fmt`). */
export const IoPgtableFormat = {
  /** Arm LPAE stage-1 tables for AArch64 SMMUs (`ARM_64_LPAE_S1`). */
  ARM_64_LPAE_S1: "ARM_64_LPAE_S1",
  /** Mali's LPAE variant: stage-1 attributes, stage-2 style permissions (`ARM_MALI_LPAE`). */
  ARM_MALI_LPAE: "ARM_MALI_LPAE",
} as const;

/** One of {@link IoPgtableFormat}. */
export type IoPgtableFormat = (typeof IoPgtableFormat)[keyof typeof IoPgtableFormat];

/** Mapping may be read (`IOMMU_READ`). */
export const IOMMU_READ = 1 << 0;
/** Mapping may be written (`IOMMU_WRITE`). */
export const IOMMU_WRITE = 1 << 1;
/** Cacheable, coherent mapping (`IOMMU_CACHE`). */
export const IOMMU_CACHE = 1 << 2;
/** Mapping may not be executed (`IOMMU_NOEXEC`). */
export const IOMMU_NOEXEC = 1 << 3;
/** Device (MMIO) memory type (`IOMMU_MMIO`). */
export const IOMMU_MMIO = 1 << 4;
/** Privileged-only access (`IOMMU_PRIV`); ignored by the Mali format. */
export const IOMMU_PRIV = 1 << 5;

/** Non-secure output (`IO_PGTABLE_QUIRK_ARM_NS`): NS on leaves, NSTABLE on tables. */
export const IO_PGTABLE_QUIRK_ARM_NS = 1 << 0;
/** No permission bits (`IO_PGTABLE_QUIRK_NO_PERMS`); refused by both formats here. */
export const IO_PGTABLE_QUIRK_NO_PERMS = 1 << 1;
/** MediaTek 4 GiB mode (`IO_PGTABLE_QUIRK_ARM_MTK_EXT`, v7s only); refused. */
export const IO_PGTABLE_QUIRK_ARM_MTK_EXT = 1 << 3;
/** MediaTek TTBR extension (`IO_PGTABLE_QUIRK_ARM_MTK_TTBR_EXT`, v7s only); refused. */
export const IO_PGTABLE_QUIRK_ARM_MTK_TTBR_EXT = 1 << 4;
/** Upper half of a split address space (`IO_PGTABLE_QUIRK_ARM_TTBR1`): iovas are sign-extended. */
export const IO_PGTABLE_QUIRK_ARM_TTBR1 = 1 << 5;
/** Outer write-back walks for a non-coherent walker (`IO_PGTABLE_QUIRK_ARM_OUTER_WBWA`). */
export const IO_PGTABLE_QUIRK_ARM_OUTER_WBWA = 1 << 6;
/** Hardware dirty tracking (`IO_PGTABLE_QUIRK_ARM_HD`): DBM on writeable stage-1 leaves. */
export const IO_PGTABLE_QUIRK_ARM_HD = 1 << 7;
/** Stage-2 forced write-back (`IO_PGTABLE_QUIRK_ARM_S2FWB`); stage 2 only, refused here. */
export const IO_PGTABLE_QUIRK_ARM_S2FWB = 1 << 8;

/** Out of memory (`ENOMEM`). Operations return the negation. */
export const ENOMEM = 12;
/** Entry already mapped (`EEXIST`). */
export const EEXIST = 17;
/** Invalid argument (`EINVAL`). */
export const EINVAL = 22;
/** Address out of range (`ERANGE`). */
export const ERANGE = 34;

/** 4 KiB: the translation granule and the page-table page size (`SZ_4K`). */
export const SZ_4K = 0x1000;
/** 2 MiB: a level-2 block (`SZ_2M`). */
export const SZ_2M = 0x200000;
/** 1 GiB: a level-1 block (`SZ_1G`). */
export const SZ_1G = 0x40000000;

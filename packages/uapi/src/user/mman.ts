/**
 * mmap(2) protection and flag bits (asm-generic/mman-common.h, mman.h), for drivers' mmap
 * entry points that check them.
 */

/** `PROT_READ`: pages may be read. */
export const PROT_READ = 0x1;
/** `PROT_WRITE`: pages may be written. */
export const PROT_WRITE = 0x2;
/** `PROT_EXEC`: pages may be executed. */
export const PROT_EXEC = 0x4;
/** `MAP_SHARED`: updates are visible to other mappings (the vma gets `VM_SHARED`). */
export const MAP_SHARED = 0x01;
/** `MAP_PRIVATE`: a private copy-on-write mapping. */
export const MAP_PRIVATE = 0x02;

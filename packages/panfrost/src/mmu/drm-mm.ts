/**
 * The drm_mm range allocator the driver uses for per-file VA management.
 *
 * `@panmmu/drm` does not export its `mm` module from the package entry yet, so this re-exports
 * it from the package's sources; switch to `import { DrmMm, DrmMmNode } from "@panmmu/drm"`
 * once the entry exports it.
 */
export { DrmMm, DrmMmNode } from "../../../drm/src/mm/index.js";

/**
 * @panmmu/uapi — the Linux ABI of the panfrost and panthor drivers: errno, ioctl numbers,
 * flags and byte-exact struct codecs.
 *
 * @packageDocumentation
 */
export * from "./drm/index.js";
export * from "./errno/index.js";
export * from "./ioctl/index.js";
export * from "./panfrost/index.js";
export * from "./panthor/index.js";
export * from "./registry/index.js";
export * from "./struct/index.js";
export * from "./user/index.js";

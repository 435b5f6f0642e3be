/**
 * @panmmu/uapi — the Linux ABI of the panfrost and panthor drivers: errno, ioctl numbers,
 * flags and byte-exact struct codecs.
 *
 * @packageDocumentation
 */
export * from "./errno/index.js";

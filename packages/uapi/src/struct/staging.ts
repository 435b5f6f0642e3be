/**
 * A staging buffer with one permanent `DataView`: codecs copy a struct's bytes in (or build them
 * there) instead of allocating a `DataView` per call, which costs more than decoding a small
 * struct. Single-threaded and never used re-entrantly: a codec call stages at most one struct.
 */

/** Bytes a struct may have to be staged (larger ones get a view of their own). */
export const STAGE_BYTES = 4096;

/** The staging bytes. */
export const stage: Uint8Array = new Uint8Array(STAGE_BYTES);

/** The view over {@link stage}. */
export const stageView: DataView = new DataView(stage.buffer);

/**
 * What the page-table walker needs from physical memory: word views of pages, and whether an
 * address decodes to memory at all (for the decoder/slave distinction of bus faults).
 */
export interface WalkMemory {
  /** The word view of the allocated page holding `pa`, or undefined (a bus fault for the walker). */
  words(pa: number): Uint32Array | undefined;
  /** Whether `pa` decodes to the memory (inside its physical range, allocated or not). */
  contains(pa: number): boolean;
  /**
   * A counter that changes whenever a page stops being backed (freed), so a walker may keep
   * page views between walks while it is unchanged.
   */
  readonly releaseGeneration: number;
}

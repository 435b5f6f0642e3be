/**
 * Releasing a dying MMU context's address-space slot, under the AS lock.
 */
import type { ContextReleaser, MmuContext } from "./context.js";
import type { PanfrostMmu } from "./mmu.js";

/**
 * The {@link ContextReleaser} every file's context is created with: it unbinds the context from
 * its AS slot under the MMU's AS lock, waiting for the lock when an MMU operation holds it.
 */
export class AsContextReleaser implements ContextReleaser {
  /** @param mmu - the device's MMU block (its AS lock and slot manager). */
  constructor(private readonly mmu: PanfrostMmu) {}

  /**
   * Unbinds `ctx` from its AS under the AS lock, then calls `done`; retried when the lock is
   * released if it is held now. Mirrors the locking part of panfrost_mmu_release_ctx().
   */
  releaseAs(ctx: MmuContext, done: () => void): void {
    const run = (): void => {
      const r = this.mmu.lock.tryWith(() => {
        this.mmu.slots.releaseLocked(ctx);
        done();
        return true;
      });
      if (r === undefined) this.mmu.lock.whenReleased(run);
    };
    run();
  }
}

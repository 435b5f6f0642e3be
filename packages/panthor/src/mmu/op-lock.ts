/**
 * A VM's `op_lock` in a single-threaded simulation: held while a VM operation runs (between
 * taking the op context and unlocking its region). A kernel thread that would sleep on the
 * mutex instead registers a continuation here, which runs when the lock is released, in the
 * order they were registered — as the mutex's waiters would take it.
 */
export class OpLock {
  private owned = false;
  private readonly waiters: (() => void)[] = [];

  /** Whether an operation holds the lock. */
  get held(): boolean {
    return this.owned;
  }

  /** Continuations waiting for the lock. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Takes the lock; false (nothing changed) if it is held already (a recursive take). */
  acquire(): boolean {
    if (this.owned) return false;
    this.owned = true;
    return true;
  }

  /**
   * Releases the lock and runs the waiting continuations, each with the lock free; one that
   * takes the lock again leaves the rest waiting for its release.
   */
  release(): void {
    this.owned = false;
    while (!this.owned && this.waiters.length > 0) (this.waiters.shift() as () => void)();
  }

  /** Runs `fn` now if the lock is free, else when it is released. */
  whenFree(fn: () => void): void {
    if (this.owned) this.waiters.push(fn);
    else fn();
  }
}

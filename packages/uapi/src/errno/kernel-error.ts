import { errnoName } from "./errno.js";

/**
 * An error carrying a Linux errno, shared by every panmmu package. Entry points return negative
 * errno values as the kernel does; code that prefers exceptions (helpers, the example app)
 * throws this type, and {@link KernelError.check} turns a kernel-style return into it.
 */
export class KernelError extends Error {
  /** The positive errno value (e.g. 22 for EINVAL). */
  readonly errno: number;

  /**
   * @param errno - errno value; a negative kernel return is accepted and made positive.
   * @param message - optional context; the errno name is always included.
   */
  constructor(errno: number, message?: string) {
    const e = Math.abs(errno);
    super(message === undefined ? errnoName(e) : `${errnoName(e)}: ${message}`);
    this.name = "KernelError";
    this.errno = e;
  }

  /** Kernel-style return value: `-errno`. */
  get ret(): number {
    return -this.errno;
  }

  /** Returns `ret` when it is >= 0; throws a KernelError when it is a negative errno. */
  static check(ret: number, what?: string): number {
    if (ret < 0) throw new KernelError(-ret, what);
    return ret;
  }
}

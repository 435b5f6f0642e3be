/**
 * The simulated process's file-descriptor table for the files the DRM core creates (dma-bufs,
 * syncobj files, sync files). Like a process's real fd table it is not tied to one device: every
 * device the process opened can share it (`DrmDeviceOptions.fds`).
 */
import { Idr } from "./idr.js";

/** Something an fd can refer to; `release()` runs when its last fd is closed. */
export interface DrmFdObject {
  /** Drops the reference the fd held. */
  release(): void;
}

/** First fd number handed out: 0..2 are the process's standard streams. */
export const FIRST_FD = 3;

/**
 * A process's file descriptors, lowest free number first (as `get_unused_fd_flags` allocates), each holding
 * one reference on what it refers to until {@link FdTable.close}.
 */
export class FdTable {
  private readonly fds = new Idr<DrmFdObject>(FIRST_FD);

  /** Installs `obj` under a new fd (the caller hands its reference to the fd); the fd or -EMFILE-like -ENOSPC. */
  install(obj: DrmFdObject): number {
    return this.fds.alloc(obj);
  }

  /** What `fd` refers to, or undefined (the kernel's fdget()). */
  get(fd: number): DrmFdObject | undefined {
    return this.fds.find(fd);
  }

  /** Closes `fd`, releasing its reference; 0 or -EBADF (-9). */
  close(fd: number): number {
    const obj = this.fds.remove(fd);
    if (obj === undefined) return -9;
    obj.release();
    return 0;
  }

  /** Number of open fds. */
  get size(): number {
    return this.fds.size;
  }
}

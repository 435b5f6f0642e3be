/**
 * Linux errno values (asm-generic/errno-base.h and errno.h) as positive numbers. Kernel entry
 * points return their negation: `return -EINVAL`.
 */
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const E2BIG = 7;
export const ENOEXEC = 8;
export const EBADF = 9;
export const ECHILD = 10;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EXDEV = 18;
export const ENODEV = 19;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const ENFILE = 23;
export const EMFILE = 24;
export const ENOTTY = 25;
export const EFBIG = 27;
export const ENOSPC = 28;
export const ESPIPE = 29;
export const EROFS = 30;
export const EPIPE = 32;
export const EDOM = 33;
export const ERANGE = 34;
export const EDEADLK = 35;
export const ENAMETOOLONG = 36;
export const ENOSYS = 38;
export const ENODATA = 61;
export const ETIME = 62;
export const EOVERFLOW = 75;
export const EBADFD = 77;
export const EOPNOTSUPP = 95;
export const ETIMEDOUT = 110;
export const EALREADY = 114;
export const EINPROGRESS = 115;
export const ECANCELED = 125;
export const EOWNERDEAD = 130;
export const EHWPOISON = 133;

const NAMES: ReadonlyMap<number, string> = new Map([
  [EPERM, "EPERM"],
  [ENOENT, "ENOENT"],
  [ESRCH, "ESRCH"],
  [EINTR, "EINTR"],
  [EIO, "EIO"],
  [ENXIO, "ENXIO"],
  [E2BIG, "E2BIG"],
  [ENOEXEC, "ENOEXEC"],
  [EBADF, "EBADF"],
  [ECHILD, "ECHILD"],
  [EAGAIN, "EAGAIN"],
  [ENOMEM, "ENOMEM"],
  [EACCES, "EACCES"],
  [EFAULT, "EFAULT"],
  [EBUSY, "EBUSY"],
  [EEXIST, "EEXIST"],
  [EXDEV, "EXDEV"],
  [ENODEV, "ENODEV"],
  [ENOTDIR, "ENOTDIR"],
  [EISDIR, "EISDIR"],
  [EINVAL, "EINVAL"],
  [ENFILE, "ENFILE"],
  [EMFILE, "EMFILE"],
  [ENOTTY, "ENOTTY"],
  [EFBIG, "EFBIG"],
  [ENOSPC, "ENOSPC"],
  [ESPIPE, "ESPIPE"],
  [EROFS, "EROFS"],
  [EPIPE, "EPIPE"],
  [EDOM, "EDOM"],
  [ERANGE, "ERANGE"],
  [EDEADLK, "EDEADLK"],
  [ENAMETOOLONG, "ENAMETOOLONG"],
  [ENOSYS, "ENOSYS"],
  [ENODATA, "ENODATA"],
  [ETIME, "ETIME"],
  [EOVERFLOW, "EOVERFLOW"],
  [EBADFD, "EBADFD"],
  [EOPNOTSUPP, "EOPNOTSUPP"],
  [ETIMEDOUT, "ETIMEDOUT"],
  [EALREADY, "EALREADY"],
  [EINPROGRESS, "EINPROGRESS"],
  [ECANCELED, "ECANCELED"],
  [EOWNERDEAD, "EOWNERDEAD"],
  [EHWPOISON, "EHWPOISON"],
]);

/**
 * Symbolic name of an errno value; accepts the positive value or its negation (`-22` → `"EINVAL"`).
 * Unknown values come back as `"E?<n>"`.
 */
export function errnoName(n: number): string {
  const v = Math.abs(n);
  return NAMES.get(v) ?? `E?${v}`;
}

/**
 * Linux errno values (asm-generic/errno-base.h and errno.h) as positive numbers. Kernel entry
 * points return their negation: `return -EINVAL`.
 */

/** `EPERM`: Operation not permitted. */
export const EPERM = 1;
/** `ENOENT`: No such file or directory (unknown handle). */
export const ENOENT = 2;
/** `ESRCH`: No such process. */
export const ESRCH = 3;
/** `EINTR`: Interrupted system call. */
export const EINTR = 4;
/** `EIO`: I/O error. */
export const EIO = 5;
/** `ENXIO`: No such device or address. */
export const ENXIO = 6;
/** `E2BIG`: Argument list too long (also: unknown non-zero struct tail). */
export const E2BIG = 7;
/** `ENOEXEC`: Exec format error. */
export const ENOEXEC = 8;
/** `EBADF`: Bad file number. */
export const EBADF = 9;
/** `ECHILD`: No child processes. */
export const ECHILD = 10;
/** `EAGAIN`: Try again. */
export const EAGAIN = 11;
/** `ENOMEM`: Out of memory. */
export const ENOMEM = 12;
/** `EACCES`: Permission denied. */
export const EACCES = 13;
/** `EFAULT`: Bad address (user pointer). */
export const EFAULT = 14;
/** `EBUSY`: Device or resource busy. */
export const EBUSY = 16;
/** `EEXIST`: File exists. */
export const EEXIST = 17;
/** `EXDEV`: Cross-device link. */
export const EXDEV = 18;
/** `ENODEV`: No such device. */
export const ENODEV = 19;
/** `ENOTDIR`: Not a directory. */
export const ENOTDIR = 20;
/** `EISDIR`: Is a directory. */
export const EISDIR = 21;
/** `EINVAL`: Invalid argument. */
export const EINVAL = 22;
/** `ENFILE`: File table overflow. */
export const ENFILE = 23;
/** `EMFILE`: Too many open files. */
export const EMFILE = 24;
/** `ENOTTY`: Not a typewriter (unknown ioctl). */
export const ENOTTY = 25;
/** `EFBIG`: File too large. */
export const EFBIG = 27;
/** `ENOSPC`: No space left on device. */
export const ENOSPC = 28;
/** `ESPIPE`: Illegal seek. */
export const ESPIPE = 29;
/** `EROFS`: Read-only file system. */
export const EROFS = 30;
/** `EPIPE`: Broken pipe. */
export const EPIPE = 32;
/** `EDOM`: Math argument out of domain. */
export const EDOM = 33;
/** `ERANGE`: Math result not representable. */
export const ERANGE = 34;
/** `EDEADLK`: Resource deadlock would occur. */
export const EDEADLK = 35;
/** `ENAMETOOLONG`: File name too long. */
export const ENAMETOOLONG = 36;
/** `ENOSYS`: Invalid system call number. */
export const ENOSYS = 38;
/** `ENODATA`: No data available. */
export const ENODATA = 61;
/** `ETIME`: Timer expired. */
export const ETIME = 62;
/** `EOVERFLOW`: Value too large for defined data type. */
export const EOVERFLOW = 75;
/** `EBADFD`: File descriptor in bad state. */
export const EBADFD = 77;
/** `EOPNOTSUPP`: Operation not supported. */
export const EOPNOTSUPP = 95;
/** `ETIMEDOUT`: Connection timed out (wait deadline passed). */
export const ETIMEDOUT = 110;
/** `EALREADY`: Operation already in progress. */
export const EALREADY = 114;
/** `EINPROGRESS`: Operation now in progress. */
export const EINPROGRESS = 115;
/** `ECANCELED`: Operation canceled. */
export const ECANCELED = 125;
/** `EOWNERDEAD`: Owner died. */
export const EOWNERDEAD = 130;
/** `EHWPOISON`: Memory page has hardware error. */
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

/**
 * Submitting memory programs (the simulated GPU's MEMORY_PROGRAM job) from a client: the job
 * descriptor and the program go into one executable BO, the job lists the BOs it touches.
 */
import { encodeProgramJob, PROGRAM_JOB_SIZE } from "@panmmu/hw";
import { ETIME } from "@panmmu/uapi";
import type { PanfrostClient } from "./client.js";

/** DRM_SYNCOBJ_CREATE_SIGNALED. */
const SYNCOBJ_CREATE_SIGNALED = 1;

/** A submitted program job. */
export interface ProgramSubmission {
  /** SUBMIT result (0 or -errno); the other fields are meaningful only when 0. */
  ret: number;
  /** Handle of the BO holding the job and the program. */
  jobBo: number;
  /** GPU VA of that BO. */
  jobVa: number;
  /** Out syncobj handle. */
  outSync: number;
}

/**
 * Creates a BO holding a MEMORY_PROGRAM job followed by `program`, and submits it with the
 * given BO handles (the job BO is added), on JM context `jmCtxHandle`. Returns the submission;
 * on failure the BO is closed.
 */
export function submitProgram(
  c: PanfrostClient,
  program: Uint8Array,
  boHandles: readonly number[] = [],
  requirements = 0,
  jmCtxHandle = 0,
): ProgramSubmission {
  const size = PROGRAM_JOB_SIZE + 16 + program.length;
  const bo = c.createBo(size, 0);
  if (bo.ret < 0) return { ret: bo.ret, jobBo: 0, jobVa: 0, outSync: 0 };
  const view = c.map(bo.handle);
  if (typeof view === "number") {
    c.gemClose(bo.handle);
    return { ret: view, jobBo: 0, jobVa: 0, outSync: 0 };
  }
  const image = new Uint8Array(PROGRAM_JOB_SIZE + 16 + program.length);
  const progOff = PROGRAM_JOB_SIZE + 16;
  encodeProgramJob(image, 0, {
    header: { index: 1 },
    programVa: bo.offset + progOff,
    programLength: program.length,
  });
  image.set(program, progOff);
  view.write(0, image);
  view.munmap();
  const sync = c.syncobjCreate(SYNCOBJ_CREATE_SIGNALED);
  if (sync.ret < 0) {
    c.gemClose(bo.handle);
    return { ret: sync.ret, jobBo: 0, jobVa: 0, outSync: 0 };
  }
  const ret = c.submit({
    jc: bo.offset,
    boHandles: [bo.handle, ...boHandles],
    outSync: sync.handle,
    requirements,
    jmCtxHandle,
  });
  if (ret < 0) c.gemClose(bo.handle);
  return { ret, jobBo: bo.handle, jobVa: bo.offset, outSync: sync.handle };
}

/**
 * Waits (advancing virtual time up to `timeoutNs`) for a submission's out-fence; true when it
 * signalled, false on timeout.
 */
export function waitSubmission(
  c: PanfrostClient,
  s: ProgramSubmission,
  timeoutNs: number,
): boolean {
  const r = c.syncobjWait([s.outSync], c.dev.platform.loop.now + timeoutNs, 0);
  return r !== -ETIME && r === 0;
}

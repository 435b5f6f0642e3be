import { EventLoopSim } from "@panmmu/hw";
import { CollectingWarningSink, ECANCELED, EINVAL, EIO, ENOENT, ESRCH } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import {
  type DmaFence,
  DmaFenceContext,
  DmaResvUsage,
  DrmGemShmemObject,
  DrmGpuSchedStat,
  DrmGpuScheduler,
  DrmSchedEntity,
  DrmSchedJob,
  DrmSchedPriority,
  drmSyncobjCreate,
  drmSyncobjInstallFence,
} from "../../src/index.js";
import { makeToyDevice, openFile } from "./helpers.js";

class TestJob extends DrmSchedJob {
  constructor(
    readonly label: string,
    readonly durationNs: number,
  ) {
    super();
  }
}

/**
 * A fake hardware ring: each job completes `durationNs` after it starts, unless it hangs
 * (durationNs < 0). With `serial`, jobs execute one after another like a real ring: a job
 * completes `durationNs` after the previous one did.
 */
function makeSched(
  opts: { creditLimit?: number; timeoutNs?: number; hangLimit?: number; serial?: boolean } = {},
) {
  const loop = new EventLoopSim();
  const warnings = new CollectingWarningSink();
  const hw = new DmaFenceContext(loop, "toy", "hw");
  const log: string[] = [];
  const fences = new Map<TestJob, DmaFence>();
  let timedout: ((job: TestJob) => DrmGpuSchedStat) | null = null;
  let ringBusyUntil = 0;
  const sched = new DrmGpuScheduler<TestJob>(
    loop,
    {
      runJob(job) {
        log.push(`run:${job.label}@${loop.now}`);
        const f = hw.createFence();
        fences.set(job, f);
        if (job.durationNs >= 0) {
          const end =
            (opts.serial === true ? Math.max(loop.now, ringBusyUntil) : loop.now) + job.durationNs;
          ringBusyUntil = end;
          loop.schedule(end - loop.now, () => f.signal(), `hw:${job.label}`);
        }
        return f;
      },
      timedoutJob(job) {
        log.push(`timeout:${job.label}@${loop.now}`);
        return timedout === null ? DrmGpuSchedStat.NOMINAL : timedout(job);
      },
      freeJob(job) {
        log.push(`free:${job.label}`);
      },
    },
    {
      name: "js0",
      creditLimit: opts.creditLimit ?? 4,
      timeoutNs: opts.timeoutNs ?? 1_000_000,
      hangLimit: opts.hangLimit ?? 0,
    },
    warnings,
  );
  const submit = (
    entity: DrmSchedEntity<TestJob>,
    label: string,
    duration: number,
    credits = 1,
    deps: DmaFence[] = [],
  ) => {
    const job = new TestJob(label, duration);
    expect(job.init(entity, credits)).toBe(0);
    for (const d of deps) job.addDependency(d);
    job.arm();
    job.push();
    return job;
  };
  return {
    loop,
    warnings,
    hw,
    log,
    fences,
    sched,
    submit,
    onTimeout: (fn: (job: TestJob) => DrmGpuSchedStat) => {
      timedout = fn;
    },
  };
}

describe("DrmGpuScheduler", () => {
  it("runs the jobs of one entity in order, as events, and frees them after they finish", () => {
    const t = makeSched({ creditLimit: 1 });
    const e = new DrmSchedEntity(t.sched);
    const jobs = ["a", "b", "c"].map((l) => t.submit(e, l, 100));
    expect(t.log).toEqual([]); // nothing runs synchronously
    t.loop.runUntilIdle();
    expect(t.log.filter((l) => l.startsWith("run"))).toEqual(["run:a@0", "run:b@100", "run:c@200"]);
    expect(t.log.filter((l) => l.startsWith("free"))).toEqual(["free:a", "free:b", "free:c"]);
    expect(jobs.map((j) => j.finished.signaled)).toEqual([true, true, true]);
    expect(jobs.map((j) => j.finished.seqno)).toEqual([1, 2, 3]);
    expect(jobs[0]?.sFence?.scheduled.context).toBe(e.fenceContext);
    expect(jobs[0]?.finished.context).toBe(e.fenceContext + 1);
    expect(t.sched.creditCount).toBe(0);
    expect(t.sched.pendingList).toEqual([]);
    expect(t.warnings.warnings).toEqual([]);
  });

  it("honours dependencies: a job waits for its fences, blocking its entity but not others", () => {
    const t = makeSched();
    const e1 = new DrmSchedEntity(t.sched);
    const e2 = new DrmSchedEntity(t.sched);
    const ext = new DmaFenceContext(t.loop, "other", "q").createFence();
    t.loop.schedule(500, () => ext.signal(), "ext");
    const a = t.submit(e1, "a", 10, 1, [ext]);
    t.submit(e1, "a2", 10);
    t.submit(e2, "b", 10, 1, []);
    const c = t.submit(e2, "c", 10, 1, [a.finished]);
    t.loop.runUntilIdle();
    const runs = t.log.filter((l) => l.startsWith("run"));
    // c depends on a job of the same scheduler: it only waits for a to be scheduled and is
    // queued behind it on the hardware (drm_sched pipelining)
    expect(runs).toEqual(["run:b@0", "run:a@500", "run:a2@500", "run:c@500"]);
    expect(c.finished.signaled).toBe(true);
  });

  it("waits for the finished fence of a job on another scheduler, and ignores its own entity's fences", () => {
    const t = makeSched();
    const other = new DrmGpuScheduler<TestJob>(
      t.loop,
      {
        runJob(job) {
          const f = t.hw.createFence();
          t.loop.schedule(job.durationNs, () => f.signal(), "other-hw");
          return f;
        },
        timedoutJob: () => DrmGpuSchedStat.NOMINAL,
        freeJob: () => {},
      },
      { name: "js1", creditLimit: 1 },
      t.warnings,
    );
    const foreign = t.submit(new DrmSchedEntity(other), "foreign", 300);
    const e = new DrmSchedEntity(t.sched);
    const first = t.submit(e, "first", 50);
    const x = t.submit(e, "x", 10, 1, [foreign.finished, first.finished]);
    t.loop.runUntilIdle();
    expect([foreign.finished.signaled, x.finished.signaled]).toEqual([true, true]);
    expect(t.log.filter((l) => l.startsWith("run"))).toEqual(["run:first@0", "run:x@300"]);
  });

  it("honours the credit limit", () => {
    const t = makeSched({ creditLimit: 3 });
    const e1 = new DrmSchedEntity(t.sched);
    const e2 = new DrmSchedEntity(t.sched);
    t.submit(e1, "x", 100, 2);
    t.submit(e2, "y", 100, 2);
    t.submit(e1, "z", 100, 1);
    t.loop.step();
    expect(t.sched.creditCount).toBe(2);
    t.loop.runUntilIdle();
    const runs = t.log.filter((l) => l.startsWith("run"));
    // y (2 credits) does not fit next to x (2 of 3) and, being the oldest ready job, is not
    // overtaken by z (as the kernel's FIFO selection); both run when x completes
    expect(runs).toEqual(["run:x@0", "run:y@100", "run:z@100"]);
    expect(t.sched.creditCount).toBe(0);
  });

  it("picks the highest priority, then the oldest submission", () => {
    const t = makeSched({ creditLimit: 1 });
    const low = new DrmSchedEntity(t.sched, DrmSchedPriority.LOW);
    const high = new DrmSchedEntity(t.sched, DrmSchedPriority.HIGH);
    const norm = new DrmSchedEntity(t.sched);
    t.submit(low, "low", 10);
    t.submit(norm, "n1", 10);
    t.submit(high, "high", 10);
    t.loop.runUntilIdle();
    expect(t.log.filter((l) => l.startsWith("run"))).toEqual([
      "run:high@0",
      "run:n1@10",
      "run:low@20",
    ]);
  });

  it("finished fences carry the hardware error; runJob errors complete the job", () => {
    const t = makeSched();
    const e = new DrmSchedEntity(t.sched);
    const a = t.submit(e, "a", 50);
    t.loop.step(); // run a
    t.fences.get(a)?.setError(-EIO);
    t.loop.runUntilIdle();
    expect(a.finished.error).toBe(-EIO);
    const t2 = new DrmGpuScheduler<TestJob>(
      t.loop,
      { runJob: () => -EINVAL, timedoutJob: () => DrmGpuSchedStat.NOMINAL, freeJob: () => {} },
      { name: "err", creditLimit: 1 },
      t.warnings,
    );
    const e2 = new DrmSchedEntity(t2);
    const b = t.submit(e2, "b", 0);
    t.loop.runUntilIdle();
    expect([b.finished.signaled, b.finished.error]).toEqual([true, -EINVAL]);
    expect(new TestJob("z", 0).init(e, 0)).toBe(-EINVAL);
  });

  it("times a stuck job out in virtual time, and resumes after stop/start", () => {
    const t = makeSched({ timeoutNs: 1000, creditLimit: 2 });
    const e = new DrmSchedEntity(t.sched);
    const stuck = t.submit(e, "stuck", -1);
    const after = t.submit(e, "after", 100);
    const resetDone: string[] = [];
    t.onTimeout((job) => {
      // the driver's reset: stop with the bad job, fail it, restart the others
      t.sched.stop(job);
      expect(t.sched.pendingList[0]).toBe(job);
      t.fences.get(job)?.signal(-ECANCELED);
      t.loop.schedule(
        10,
        () => {
          resetDone.push(`reset@${t.loop.now}`);
          t.sched.start();
        },
        "reset",
      );
      return DrmGpuSchedStat.NOMINAL;
    });
    t.loop.runUntilIdle();
    expect(t.log.find((l) => l.startsWith("timeout"))).toBe("timeout:stuck@1000");
    expect(resetDone).toEqual(["reset@1010"]);
    expect([stuck.finished.signaled, stuck.finished.error]).toEqual([true, -ECANCELED]);
    expect(after.finished.signaled).toBe(true);
    // "after" completed at 100 but waited behind the stuck head; stop() freed it
    expect(t.log.filter((l) => l.startsWith("free"))).toEqual(["free:after", "free:stuck"]);
    expect(t.sched.creditCount).toBe(0);
    expect(t.sched.timeoutArmed).toBe(false);
    expect(t.warnings.warnings).toEqual([]);
  });

  it("a job starting behind a hung one does not push the timeout back", () => {
    const t = makeSched({ timeoutNs: 1000, creditLimit: 2 });
    const e = new DrmSchedEntity(t.sched);
    t.submit(e, "hung", -1);
    t.loop.schedule(600, () => t.submit(e, "late", 5000), "late submit");
    t.loop.runUntil(() => t.log.some((l) => l.startsWith("timeout")), 10_000);
    expect(t.log.filter((l) => !l.startsWith("free"))).toEqual([
      "run:hung@0",
      "run:late@600",
      "timeout:hung@1000",
    ]);
  });

  it("re-arms the timeout for the next job each time a finished one is freed", () => {
    // Three healthy jobs queued on the ring together: each takes 600 ns, all three 1800 ns,
    // longer than the 1000 ns timeout. Freeing a finished job restarts the timer for the next
    // one (drm_sched_get_finished_job), so none of them times out.
    const t = makeSched({ timeoutNs: 1000, serial: true });
    const e = new DrmSchedEntity(t.sched);
    const jobs = ["a", "b", "c"].map((l) => t.submit(e, l, 600));
    t.loop.runUntilIdle();
    expect(t.log.filter((l) => l.startsWith("timeout"))).toEqual([]);
    expect(t.log.filter((l) => l.startsWith("run"))).toEqual(["run:a@0", "run:b@0", "run:c@0"]);
    expect(jobs.map((j) => [j.finished.signaled, j.finished.error])).toEqual([
      [true, 0],
      [true, 0],
      [true, 0],
    ]);
    expect(t.log.filter((l) => l.startsWith("free"))).toEqual(["free:a", "free:b", "free:c"]);
    expect(t.sched.timeoutArmed).toBe(false);
    expect(t.loop.now).toBe(1800);
  });

  it("times out a job that hangs behind a healthy one a full timeout after the healthy one is freed", () => {
    const t = makeSched({ timeoutNs: 1000, serial: true });
    const e = new DrmSchedEntity(t.sched);
    t.submit(e, "a", 600);
    t.submit(e, "hung", -1);
    t.onTimeout(() => DrmGpuSchedStat.ENODEV);
    t.loop.runUntilIdle();
    // The timer armed when a started (0) is cancelled when a is freed (600) and armed again
    // for the hung job: it fires at 1600, not at 1000.
    expect(t.log.filter((l) => !l.startsWith("run"))).toEqual(["free:a", "timeout:hung@1600"]);
  });

  it("stop holds back new work and forgets hardware fences; start without resubmit fails running jobs", () => {
    const t = makeSched({ creditLimit: 1 });
    const e = new DrmSchedEntity(t.sched);
    const a = t.submit(e, "a", 100);
    t.loop.step(); // a runs
    t.sched.stop();
    expect(t.sched.creditCount).toBe(0);
    const b = t.submit(e, "b", 10);
    t.loop.runUntilIdle(); // a's hardware fence signals while stopped: nothing completes
    expect(a.finished.signaled).toBe(false);
    expect(t.log.filter((l) => l.startsWith("run"))).toEqual(["run:a@0"]);
    expect(a.sFence?.parent).toBeNull();
    t.sched.start();
    t.loop.runUntilIdle();
    // drm_sched_stop() dropped a's hardware fence: start() completes it with -ECANCELED
    expect([a.finished.signaled, a.finished.error]).toEqual([true, -ECANCELED]);
    expect([b.finished.signaled, b.finished.error]).toEqual([true, 0]);
    expect(t.log.filter((l) => l.startsWith("run"))).toEqual(["run:a@0", "run:b@100"]);
  });

  it("start(errno) fails the jobs stop() detached with errno", () => {
    const t = makeSched({ creditLimit: 2 });
    const e = new DrmSchedEntity(t.sched);
    const a = t.submit(e, "a", 100);
    t.loop.step();
    t.sched.stop();
    t.sched.start(-EIO);
    t.loop.runUntilIdle();
    expect([a.finished.signaled, a.finished.error]).toEqual([true, -EIO]);
    expect(t.sched.creditCount).toBe(0);
  });

  it("destroying an entity kills its queued jobs only after its last scheduled job finished (seqno order)", () => {
    const t = makeSched({ creditLimit: 1 });
    const e = new DrmSchedEntity(t.sched);
    const a = t.submit(e, "a", 100);
    const b = t.submit(e, "b", 100);
    t.loop.step(); // a runs until 100
    const order: string[] = [];
    a.finished.addCallback(() => order.push(`a@${t.loop.now}`));
    b.finished.addCallback(() => order.push(`b@${t.loop.now}`));
    e.destroy();
    t.loop.runUntilIdle();
    expect(order).toEqual(["a@100", "b@100"]);
    expect([a.finished.error, b.finished.error]).toEqual([0, -ESRCH]);
  });

  it("resubmitJobs runs pending jobs again after a reset; start(errno) fails jobs without a fence", () => {
    const t = makeSched({ timeoutNs: 500 });
    const e = new DrmSchedEntity(t.sched);
    const hung = t.submit(e, "hung", -1);
    t.onTimeout((job) => {
      t.sched.stop(job);
      t.sched.increaseKarma(job);
      t.sched.resubmitJobs();
      t.sched.start();
      return DrmGpuSchedStat.NOMINAL;
    });
    t.loop.runUntil(() => t.log.some((l) => l.startsWith("timeout")), 10_000);
    // karma 1 > hang limit 0: the guilty job's finished fence gets -ECANCELED, it runs again
    expect(t.log.filter((l) => l.startsWith("run"))).toEqual(["run:hung@0", "run:hung@500"]);
    t.fences.get(hung)?.signal();
    t.loop.runUntilIdle();
    expect([hung.finished.signaled, hung.finished.error]).toEqual([true, -ECANCELED]);
  });

  it("resubmitJobs cancels a job only once its karma exceeds the hang limit", () => {
    // hang_limit 1: the first hang brings karma to 1, which is not above the limit, so the job
    // runs again normally; the second hang (karma 2) cancels it.
    const t = makeSched({ timeoutNs: 500, hangLimit: 1 });
    const e = new DrmSchedEntity(t.sched);
    const job = t.submit(e, "flaky", -1);
    const errorsAtResubmit: number[] = [];
    t.onTimeout((bad) => {
      t.sched.stop(bad);
      t.sched.increaseKarma(bad);
      t.sched.resubmitJobs();
      errorsAtResubmit.push(bad.finished.error);
      t.sched.start();
      return DrmGpuSchedStat.NOMINAL;
    });
    t.loop.runUntil(() => errorsAtResubmit.length === 1, 10_000);
    expect([job.karma, errorsAtResubmit]).toEqual([1, [0]]);
    t.loop.runUntil(() => errorsAtResubmit.length === 2, 10_000);
    expect([job.karma, errorsAtResubmit]).toEqual([2, [0, -ECANCELED]]);
    expect(t.log.filter((l) => l.startsWith("run"))).toEqual([
      "run:flaky@0",
      "run:flaky@500",
      "run:flaky@1000",
    ]);
    t.fences.get(job)?.signal();
    t.loop.runUntilIdle();
    expect([job.finished.signaled, job.finished.error]).toEqual([true, -ECANCELED]);
  });

  it("resubmitJobs leaves innocent jobs (karma within the limit) alone, even ahead of the guilty one", () => {
    const t = makeSched();
    const innocentEntity = new DrmSchedEntity(t.sched);
    const guiltyEntity = new DrmSchedEntity(t.sched);
    const innocent = t.submit(innocentEntity, "innocent", 500);
    const guilty = t.submit(guiltyEntity, "guilty", -1);
    t.loop.runUntil(() => t.sched.pendingList.length === 2, 10_000);
    // A reset at 10 ns, blaming the second job (the driver knows which one faulted).
    t.loop.schedule(
      10,
      () => {
        t.sched.stop();
        t.sched.increaseKarma(guilty);
        t.sched.resubmitJobs();
        t.sched.start();
      },
      "reset",
    );
    t.loop.runUntil(() => t.log.filter((l) => l.startsWith("run")).length === 4, 10_000);
    expect(t.sched.pendingList.map((j) => [j.label, j.karma])).toEqual([
      ["innocent", 0],
      ["guilty", 1],
    ]);
    expect([innocent.finished.error, guilty.finished.error]).toEqual([0, -ECANCELED]);
    t.fences.get(guilty)?.signal();
    t.loop.runUntilIdle();
    expect([innocent.finished.signaled, innocent.finished.error]).toEqual([true, 0]);
    expect([guilty.finished.signaled, guilty.finished.error]).toEqual([true, -ECANCELED]);
  });

  it("destroying an entity completes its queued jobs with -ESRCH", () => {
    const t = makeSched({ creditLimit: 1 });
    const e = new DrmSchedEntity(t.sched);
    const a = t.submit(e, "a", 100);
    const b = t.submit(e, "b", 100);
    t.loop.step();
    e.destroy();
    t.loop.runUntilIdle();
    expect(a.finished.error).toBe(0);
    expect([b.finished.signaled, b.finished.error]).toEqual([true, -ESRCH]);
    expect(t.log.filter((l) => l.startsWith("run"))).toEqual(["run:a@0"]);
    expect(t.log.filter((l) => l.startsWith("free")).sort()).toEqual(["free:a", "free:b"]);
  });

  it("fault() fires the timeout handler at once", () => {
    const t = makeSched({ timeoutNs: 1_000_000 });
    const e = new DrmSchedEntity(t.sched);
    t.submit(e, "x", -1);
    t.loop.step();
    t.onTimeout(() => DrmGpuSchedStat.NO_HANG);
    t.sched.fault();
    t.loop.step();
    expect(t.log).toContain("timeout:x@0");
    expect(t.sched.pendingList).toHaveLength(1);
  });
});

describe("drm_sched_fault without a scheduler timeout", () => {
  it("fault() runs the handler even when the scheduler has no timeout of its own (panthor's queues)", () => {
    const t = makeSched({ timeoutNs: Number.POSITIVE_INFINITY });
    const e = new DrmSchedEntity(t.sched);
    t.submit(e, "y", -1);
    t.loop.step();
    t.onTimeout(() => DrmGpuSchedStat.NO_HANG);
    t.loop.advance(10_000_000_000);
    expect(t.log.filter((l) => l.startsWith("timeout"))).toHaveLength(0);
    t.sched.fault();
    t.loop.step();
    expect(t.log).toContain("timeout:y@10000000000");
    expect(t.sched.pendingList).toHaveLength(1);
  });
});

describe("job dependency helpers", () => {
  it("add syncobj in-syncs and implicit resv dependencies", () => {
    const t = makeToyDevice();
    const f = openFile(t.dev);
    const ctx = new DmaFenceContext(t.env.loop, "toy", "x");
    const h = drmSyncobjCreate(f, 0);
    const job = new DrmSchedJob();
    expect(job.addSyncobjDependency(f, h, 0)).toBe(-EINVAL);
    expect(job.addSyncobjDependency(f, 99, 0)).toBe(-ENOENT);
    const inFence = ctx.createFence();
    drmSyncobjInstallFence(f, h, 0, inFence);
    expect(job.addSyncobjDependency(f, h, 0)).toBe(0);
    const bo = new DrmGemShmemObject(t.dev, 4096);
    const w = new DmaFenceContext(t.env.loop, "toy", "w").createFence();
    const r = new DmaFenceContext(t.env.loop, "toy", "r").createFence();
    bo.resv.reserveFences(2);
    bo.resv.addFence(w, DmaResvUsage.WRITE);
    bo.resv.addFence(r, DmaResvUsage.READ);
    const reader = new DrmSchedJob();
    reader.addImplicitDependencies(bo, false);
    expect(reader.dependencies).toEqual([w]);
    job.addImplicitDependencies(bo, true);
    expect(job.dependencies).toEqual([inFence, w, r]);
  });
});

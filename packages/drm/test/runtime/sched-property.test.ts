import { EventLoopSim } from "@panmmu/hw";
import { CollectingWarningSink } from "@panmmu/uapi";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type DmaFence,
  DmaFenceContext,
  DrmGpuSchedStat,
  DrmGpuScheduler,
  DrmSchedEntity,
  DrmSchedJob,
  toDrmSchedFence,
} from "../../src/index.js";

class PJob extends DrmSchedJob {
  startedAt = -1;
  constructor(
    readonly entityIdx: number,
    readonly index: number,
    readonly duration: number,
  ) {
    super();
  }
}

const jobSpec = fc.record({
  entity: fc.integer({ min: 0, max: 2 }),
  credits: fc.integer({ min: 1, max: 3 }),
  duration: fc.integer({ min: 0, max: 50 }),
  dep: fc.option(fc.nat(), { nil: undefined }),
  submitDelay: fc.integer({ min: 0, max: 30 }),
});

describe("scheduler invariants (property)", () => {
  it("per-entity order, dependencies, credit limit, one completion and one free per job", () => {
    fc.assert(
      fc.property(
        fc.array(jobSpec, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 3, max: 5 }),
        (specs, limit) => {
          const loop = new EventLoopSim({ seed: specs.length });
          const warnings = new CollectingWarningSink();
          const hw = new DmaFenceContext(loop, "p", "hw");
          const started: PJob[] = [];
          const freed: PJob[] = [];
          let maxCredits = 0;
          let ringEnd = 0; // the hardware queue completes jobs in order
          const sched = new DrmGpuScheduler<PJob>(
            loop,
            {
              runJob(job) {
                job.startedAt = loop.now;
                started.push(job);
                maxCredits = Math.max(maxCredits, sched.creditCount);
                const f = hw.createFence();
                ringEnd = Math.max(ringEnd, loop.now) + job.duration;
                loop.schedule(ringEnd - loop.now, () => f.signal(), "hw");
                return f;
              },
              timedoutJob: () => DrmGpuSchedStat.NOMINAL,
              freeJob(job) {
                freed.push(job);
              },
            },
            { name: "p", creditLimit: limit },
            warnings,
          );
          const entities = [0, 1, 2].map(() => new DrmSchedEntity(sched));
          const jobs: PJob[] = [];
          const deps = new Map<PJob, DmaFence>();
          let t = 0;
          specs.forEach((s) => {
            t += s.submitDelay;
            loop.schedule(
              t,
              () => {
                // events due at the same time run in a seeded order: number jobs by push order
                const job = new PJob(s.entity, jobs.length, s.duration);
                job.init(entities[s.entity] as DrmSchedEntity<PJob>, s.credits);
                if (s.dep !== undefined && jobs.length > 0) {
                  const dep = jobs[s.dep % jobs.length] as PJob;
                  job.addDependency(dep.finished);
                  deps.set(job, dep.finished);
                }
                job.arm();
                job.push();
                jobs.push(job);
              },
              "submit",
            );
          });
          loop.runUntilIdle();
          expect(jobs).toHaveLength(specs.length);
          expect(maxCredits).toBeLessThanOrEqual(limit);
          expect(sched.creditCount).toBe(0);
          expect(new Set(freed).size).toBe(jobs.length);
          expect(freed).toHaveLength(jobs.length);
          for (const j of jobs) {
            expect(j.finished.signaled).toBe(true);
            const dep = deps.get(j);
            if (dep !== undefined) {
              // same scheduler: the dependency was scheduled first and finished first
              expect(toDrmSchedFence(dep)?.scheduled.timestamp).toBeLessThanOrEqual(j.startedAt);
              expect(dep.timestamp).toBeLessThanOrEqual(j.finished.timestamp);
            }
          }
          for (let e = 0; e < 3; e++) {
            const order = started.filter((j) => j.entityIdx === e).map((j) => j.index);
            expect(order).toEqual([...order].sort((a, b) => a - b));
          }
          expect(warnings.warnings).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });
});

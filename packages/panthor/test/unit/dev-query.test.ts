/**
 * DEV_QUERY data side (research/panthor.md §1.2): size queries, PANTHOR_UOBJ_SET copy rules,
 * TIMESTAMP_INFO flags and GROUP_PRIORITIES_INFO, on the simulated Mali-G610's registers and
 * the G610 firmware profile.
 */
import { createPlatform, MALI_G610, type SimPlatform } from "@panmmu/hw";
import {
  DRM_PANTHOR_DEV_QUERY_CSIF_INFO,
  DRM_PANTHOR_DEV_QUERY_GPU_INFO,
  DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO,
  DRM_PANTHOR_DEV_QUERY_MMU_INFO,
  DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO,
  DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC,
  DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC_RAW,
  DRM_PANTHOR_TIMESTAMP_DURATION,
  DRM_PANTHOR_TIMESTAMP_FREQ,
  DRM_PANTHOR_TIMESTAMP_GPU,
  DRM_PANTHOR_TIMESTAMP_GPU_CYCLE_COUNT,
  DRM_PANTHOR_TIMESTAMP_GPU_OFFSET,
  DrmPanthorCsifInfo,
  DrmPanthorGpuInfo,
  DrmPanthorGroupPrioritiesInfo,
  DrmPanthorTimestampInfo,
  type DrmPanthorTimestampInfoArgs,
  E2BIG,
  EACCES,
  EFAULT,
  EINVAL,
  EIO,
  UserMemory,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import {
  allowedGroupPriorityMask,
  ENOTSUPP,
  groupPriorityPermit,
  MALI_G610_FW_PROFILE,
  type PanthorDevQueryCtx,
  panthorCsifInfo,
  panthorDevQuery,
  readPanthorGpuInfo,
  selectGpuCoherency,
} from "../../src/index.js";

/** Virtual time of every query below: 1.500000123 s. */
const NOW_NS = 1_500_000_123;
/** GPU_TIMESTAMP_OFFSET programmed on the GPU. */
const OFFSET = 0x1_0000_0000n;
/** floor(NOW_NS × 24 MHz / 1 GHz) system-counter ticks, plus the offset. */
const GPU_TS = 36_000_002n + OFFSET;

interface Setup {
  sim: SimPlatform;
  ctx: PanthorDevQueryCtx;
  mem: UserMemory;
  pm: { gets: number; puts: number; fail: number };
}

function setup(): Setup {
  const sim = createPlatform("g610");
  sim.loop.advance(NOW_NS);
  sim.platform.mmio.write32(0x88, Number(OFFSET & 0xffff_ffffn));
  sim.platform.mmio.write32(0x8c, Number(OFFSET >> 32n));
  const pm = { gets: 0, puts: 0, fail: 0 };
  const ctx: PanthorDevQueryCtx = {
    gpuInfo: readPanthorGpuInfo(sim.platform.mmio),
    csifInfo: panthorCsifInfo(MALI_G610_FW_PROFILE),
    timestamp: {
      mmio: sim.platform.mmio,
      loop: sim.loop,
      timestampFrequency: 24_000_000,
      pm: {
        resumeAndGet: () => {
          if (pm.fail !== 0) return pm.fail;
          pm.gets++;
          return 0;
        },
        put: () => {
          pm.puts++;
        },
      },
    },
  };
  return { sim, ctx, mem: new UserMemory(), pm };
}

/** A user buffer of `len` bytes filled with `byte`. */
function buffer(mem: UserMemory, len: number, byte = 0xaa): bigint {
  const ptr = mem.alloc(len);
  mem.fill(ptr, len, byte);
  return ptr;
}

function bytes(mem: UserMemory, ptr: bigint, len: number): number[] {
  const b = mem.read(ptr, len);
  if (typeof b === "number") throw new Error(`unmapped ${ptr}`);
  return [...b];
}

/** Runs TIMESTAMP_INFO with `flags` on a 56-byte struct; the errno and the struct read back. */
function timestamp(
  s: Setup,
  flags: number,
): { ret: number; info: DrmPanthorTimestampInfoArgs | number } {
  const ptr = buffer(s.mem, DrmPanthorTimestampInfo.size, 0);
  s.mem.write(ptr + 24n, new Uint8Array(new Uint32Array([flags >>> 0]).buffer));
  const r = panthorDevQuery(s.ctx, DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO, 56, ptr, {
    mem: s.mem,
    privileged: false,
  });
  return { ret: r.ret, info: s.mem.readStruct(DrmPanthorTimestampInfo, ptr) };
}

describe("GPU_INFO on the G610 preset", () => {
  it("reads every field from the GPU registers", () => {
    const { ctx } = setup();
    expect(ctx.gpuInfo).toEqual({
      gpu_id: 0xa8670005,
      gpu_rev: 0,
      csf_id: 0x040a0412,
      l2_features: 0x07120306,
      tiler_features: 0x809,
      mem_features: 0x301,
      mmu_features: 0x2830,
      thread_features: 0x04010000,
      max_threads: 0x800,
      thread_max_workgroup_size: 0x400,
      thread_max_barrier_size: 0x400,
      coherency_features: 0x1,
      texture_features: [0xc1ffff9e, 0, 0, 0],
      as_present: 0xff,
      selected_coherency: 31,
      shader_present: 0x50005n,
      l2_present: 0x1n,
      tiler_present: 0x1n,
      core_features: 0,
      pad: 0,
      gpu_features: 0n,
    });
  });

  it("selects ACE-Lite on a coherent platform, NONE otherwise, -ENOTSUPP without ACE-Lite", () => {
    const { sim } = setup();
    expect(selectGpuCoherency(sim.platform.mmio, false)).toBe(31);
    expect(selectGpuCoherency(sim.platform.mmio, true)).toBe(0);
    expect(readPanthorGpuInfo(sim.platform.mmio, 0).selected_coherency).toBe(0);
    const noAce = createPlatform({
      ...MALI_G610,
      idRegisters: { ...MALI_G610.idRegisters, 768: 0 },
    });
    expect(selectGpuCoherency(noAce.platform.mmio, true)).toBe(-ENOTSUPP);
    expect(selectGpuCoherency(noAce.platform.mmio, false)).toBe(31);
  });

  it("64-bit present masks take their high words", () => {
    const sim = createPlatform({
      ...MALI_G610,
      idRegisters: { ...MALI_G610.idRegisters, 96: 0x1, 100: 0x2, 256: 0xf },
    });
    const info = readPanthorGpuInfo(sim.platform.mmio);
    expect(info.gpu_features).toBe(0x2_0000_0001n);
    expect(info.shader_present).toBe(0xfn);
  });
});

describe("CSIF_INFO from the firmware profile", () => {
  it("G610: 8 CSG slots, 8 CS slots, 96 registers, 8 scoreboards, 4 unpreserved", () => {
    expect(panthorCsifInfo(MALI_G610_FW_PROFILE)).toEqual({
      csg_slot_count: 8,
      cs_slot_count: 8,
      cs_reg_count: 96,
      scoreboard_slot_count: 8,
      unpreserved_cs_reg_count: 4,
      pad: 0,
    });
  });

  it("clamps the CSG slots to one per CSG priority (16)", () => {
    expect(panthorCsifInfo({ ...MALI_G610_FW_PROFILE, groupNum: 31 }).csg_slot_count).toBe(16);
    expect(panthorCsifInfo({ ...MALI_G610_FW_PROFILE, groupNum: 3 }).csg_slot_count).toBe(3);
  });
});

describe("Q-1: size query (pointer 0)", () => {
  it.each([
    [DRM_PANTHOR_DEV_QUERY_GPU_INFO, 112],
    [DRM_PANTHOR_DEV_QUERY_CSIF_INFO, 24],
    [DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO, 56],
    [DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO, 4],
  ])("Q-1: type %i reports %i bytes", (type, size) => {
    const s = setup();
    const r = panthorDevQuery(s.ctx, type, 0xdead, 0n, { mem: s.mem, privileged: false });
    expect(r).toEqual({ ret: 0, size });
    expect(s.pm.gets).toBe(0);
  });

  it("Q-1: unknown types (incl. MMU_INFO, not in 6.18) → -EINVAL, size untouched", () => {
    const s = setup();
    for (const type of [DRM_PANTHOR_DEV_QUERY_MMU_INFO, 5, 0xffffffff]) {
      const user = { mem: s.mem, privileged: false };
      expect(panthorDevQuery(s.ctx, type, 7, 0n, user)).toEqual({ ret: -EINVAL, size: 7 });
      const ptr = buffer(s.mem, 64);
      expect(panthorDevQuery(s.ctx, type, 64, ptr, user)).toEqual({ ret: -EINVAL, size: 64 });
      expect(bytes(s.mem, ptr, 64).every((b) => b === 0xaa)).toBe(true);
    }
  });
});

describe("Q-2: PANTHOR_UOBJ_SET copy rules", () => {
  const cases = [
    [DRM_PANTHOR_DEV_QUERY_GPU_INFO, DrmPanthorGpuInfo.size, 96],
    [DRM_PANTHOR_DEV_QUERY_CSIF_INFO, DrmPanthorCsifInfo.size, 24],
    [DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO, DrmPanthorTimestampInfo.size, 16],
    [DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO, DrmPanthorGroupPrioritiesInfo.size, 4],
  ] as const;

  it.each(cases)(
    "Q-2: type %i below its minimum size (%i, min %i) → -EINVAL, nothing written",
    (type, _k, min) => {
      const s = setup();
      const ptr = buffer(s.mem, 128);
      const r = panthorDevQuery(s.ctx, type, min - 1, ptr, { mem: s.mem, privileged: false });
      expect(r).toEqual({ ret: -EINVAL, size: min - 1 });
      expect(bytes(s.mem, ptr, 128).every((b) => b === 0xaa)).toBe(true);
    },
  );

  it.each(cases)("Q-2: type %i at its minimum size copies only that prefix", (type, ksize, min) => {
    const s = setup();
    const ptr = buffer(s.mem, 128);
    const r = panthorDevQuery(s.ctx, type, min, ptr, { mem: s.mem, privileged: false });
    expect(r.ret).toBe(0);
    const got = bytes(s.mem, ptr, 128);
    expect(got.slice(min).every((b) => b === 0xaa)).toBe(true);
    const full = buffer(s.mem, ksize, 0);
    expect(panthorDevQuery(s.ctx, type, ksize, full, { mem: s.mem, privileged: false }).ret).toBe(
      0,
    );
    expect(got.slice(0, min)).toEqual(bytes(s.mem, full, min));
  });

  it("Q-2: a longer buffer gets the whole struct and a zeroed tail (GPU_INFO, CSIF_INFO, PRIORITIES)", () => {
    const s = setup();
    const user = { mem: s.mem, privileged: false };
    const gpu = buffer(s.mem, 160);
    expect(panthorDevQuery(s.ctx, DRM_PANTHOR_DEV_QUERY_GPU_INFO, 160, gpu, user).ret).toBe(0);
    expect(s.mem.readStruct(DrmPanthorGpuInfo, gpu)).toEqual(s.ctx.gpuInfo);
    expect(bytes(s.mem, gpu + 112n, 48).every((b) => b === 0)).toBe(true);
    const csif = buffer(s.mem, 40);
    expect(panthorDevQuery(s.ctx, DRM_PANTHOR_DEV_QUERY_CSIF_INFO, 40, csif, user).ret).toBe(0);
    expect(s.mem.readStruct(DrmPanthorCsifInfo, csif)).toEqual(s.ctx.csifInfo);
    expect(bytes(s.mem, csif + 24n, 16).every((b) => b === 0)).toBe(true);
    const prio = buffer(s.mem, 16);
    const r = panthorDevQuery(s.ctx, DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO, 16, prio, user);
    expect(r.ret).toBe(0);
    expect(bytes(s.mem, prio, 16)).toEqual([3, ...new Array<number>(15).fill(0)]);
  });

  it("Q-2: TIMESTAMP_INFO in a longer, zero-tailed buffer: struct filled, tail stays zero", () => {
    const s = setup();
    const ptr = buffer(s.mem, 72, 0);
    const user = { mem: s.mem, privileged: false };
    expect(panthorDevQuery(s.ctx, DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO, 72, ptr, user).ret).toBe(0);
    expect(s.mem.readStruct(DrmPanthorTimestampInfo, ptr)).toMatchObject({
      current_timestamp: GPU_TS,
    });
    expect(bytes(s.mem, ptr + 56n, 16).every((b) => b === 0)).toBe(true);
  });

  it("Q-2: unmapped pointers → -EFAULT for every type", () => {
    const s = setup();
    const user = { mem: s.mem, privileged: false };
    const bad = 0x7000_0000_0000n;
    for (const [type, ksize] of cases) {
      expect(panthorDevQuery(s.ctx, type, ksize, bad, user).ret).toBe(-EFAULT);
    }
    // A buffer mapped for the struct but not for the tail the kernel must zero.
    const short = buffer(s.mem, 112);
    expect(panthorDevQuery(s.ctx, DRM_PANTHOR_DEV_QUERY_GPU_INFO, 120, short, user).ret).toBe(
      -EFAULT,
    );
  });
});

describe("Q-3: TIMESTAMP_INFO flags", () => {
  const zero = {
    timestamp_frequency: 0n,
    current_timestamp: 0n,
    timestamp_offset: 0n,
    duration_nsec: 0,
    cycle_count: 0n,
    cpu_timestamp_sec: 0n,
    cpu_timestamp_nsec: 0n,
  };
  const cpu = { cpu_timestamp_sec: 1n, cpu_timestamp_nsec: 500_000_123n };

  it.each([
    [
      "0 (pre-1.8: GPU | GPU_OFFSET | FREQ)",
      0,
      { timestamp_frequency: 24_000_000n, current_timestamp: GPU_TS, timestamp_offset: OFFSET },
    ],
    ["GPU", DRM_PANTHOR_TIMESTAMP_GPU, { current_timestamp: GPU_TS }],
    ["CPU_MONOTONIC", DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC, cpu],
    ["CPU_MONOTONIC_RAW", DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC_RAW, cpu],
    ["GPU_OFFSET", DRM_PANTHOR_TIMESTAMP_GPU_OFFSET, { timestamp_offset: OFFSET }],
    ["GPU_CYCLE_COUNT", DRM_PANTHOR_TIMESTAMP_GPU_CYCLE_COUNT, { cycle_count: BigInt(NOW_NS) }],
    ["FREQ", DRM_PANTHOR_TIMESTAMP_FREQ, { timestamp_frequency: 24_000_000n }],
    ["DURATION", DRM_PANTHOR_TIMESTAMP_DURATION, {}],
    [
      "all",
      0xf3, // GPU | CPU_MONOTONIC | GPU_OFFSET | GPU_CYCLE_COUNT | FREQ | DURATION
      {
        timestamp_frequency: 24_000_000n,
        current_timestamp: GPU_TS,
        timestamp_offset: OFFSET,
        cycle_count: BigInt(NOW_NS),
        ...cpu,
      },
    ],
  ])("Q-3: flags %s fill only what they ask for", (_name, flags, fields) => {
    const s = setup();
    const { ret, info } = timestamp(s, flags);
    expect(ret).toBe(0);
    expect(info).toEqual({ ...zero, ...fields, flags });
    expect([s.pm.gets, s.pm.puts]).toEqual([1, 1]);
  });

  it.each([
    [
      "two CPU clocks (MONOTONIC | MONOTONIC_RAW)",
      DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC | DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC_RAW,
    ],
    ["CPU type 4", 4 << 1],
    ["CPU type 7 with GPU", (7 << 1) | DRM_PANTHOR_TIMESTAMP_GPU],
    ["bit 8", 1 << 8],
    ["bit 31 with GPU", (1 << 31) | DRM_PANTHOR_TIMESTAMP_GPU],
  ])("Q-3: %s → -EINVAL, buffer and device untouched", (_name, flags) => {
    const s = setup();
    const { ret, info } = timestamp(s, flags);
    expect(ret).toBe(-EINVAL);
    expect(info).toEqual({ ...zero, flags: flags >>> 0 });
    expect(s.pm.gets).toBe(0);
  });

  it("Q-3: non-zero bytes past the kernel struct → -E2BIG before anything is sampled", () => {
    const s = setup();
    const ptr = buffer(s.mem, 64, 0);
    s.mem.fill(ptr + 60n, 1, 0x1);
    const r = panthorDevQuery(s.ctx, DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO, 64, ptr, {
      mem: s.mem,
      privileged: false,
    });
    expect(r.ret).toBe(-E2BIG);
    expect(s.pm.gets).toBe(0);
    expect(bytes(s.mem, ptr, 56).every((b) => b === 0)).toBe(true);
  });

  it("Q-3: a runtime-resume failure is returned and nothing is copied out", () => {
    const s = setup();
    s.pm.fail = -EIO;
    const { ret, info } = timestamp(s, DRM_PANTHOR_TIMESTAMP_GPU);
    expect(ret).toBe(-EIO);
    expect(info).toEqual({ ...zero, flags: DRM_PANTHOR_TIMESTAMP_GPU });
    expect(s.pm.puts).toBe(0);
  });

  it("Q-3: the GPU timestamp advances at the reported frequency", () => {
    const s = setup();
    const first = timestamp(s, DRM_PANTHOR_TIMESTAMP_GPU | DRM_PANTHOR_TIMESTAMP_FREQ).info;
    s.sim.loop.advance(1_000_000_000);
    const second = timestamp(s, DRM_PANTHOR_TIMESTAMP_GPU).info;
    if (typeof first === "number" || typeof second === "number") throw new Error("unmapped");
    expect(second.current_timestamp - first.current_timestamp).toBe(first.timestamp_frequency);
  });
});

describe("Q-4: GROUP_PRIORITIES_INFO", () => {
  it("Q-4: LOW|MEDIUM without privilege, all four with it", () => {
    const s = setup();
    for (const [privileged, mask] of [
      [false, 0x3],
      [true, 0xf],
    ] as const) {
      const ptr = buffer(s.mem, 4);
      const r = panthorDevQuery(s.ctx, DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO, 4, ptr, {
        mem: s.mem,
        privileged,
      });
      expect(r).toEqual({ ret: 0, size: 4 });
      expect(bytes(s.mem, ptr, 4)).toEqual([mask, 0, 0, 0]);
      expect(allowedGroupPriorityMask(privileged)).toBe(mask);
    }
  });

  it("Q-4: group_priority_permit: invalid → -EINVAL, HIGH/REALTIME unprivileged → -EACCES", () => {
    expect([0, 1, 2, 3].map((p) => groupPriorityPermit(p, false))).toEqual([
      0,
      0,
      -EACCES,
      -EACCES,
    ]);
    expect([0, 1, 2, 3].map((p) => groupPriorityPermit(p, true))).toEqual([0, 0, 0, 0]);
    expect(groupPriorityPermit(4, true)).toBe(-EINVAL);
  });
});

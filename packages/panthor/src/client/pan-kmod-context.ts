/**
 * A Gallium context on the CSF path (Mesa's pan_csf.c) over {@link PanKmodClient}: the group
 * with its one queue, the tiler heap and the buffers that go with them, the init stream that
 * registers the heap context and the tiler-OOM handler in the queue's command stream, then one
 * GROUP_SUBMIT per batch with the VM timeline as the batch's completion, and the reaction to a
 * failed submit (group state, VM state, context re-created).
 */
import {
  DRM_PANTHOR_GROUP_STATE_FATAL_FAULT,
  DRM_PANTHOR_GROUP_STATE_INNOCENT,
  DRM_PANTHOR_GROUP_STATE_TIMEDOUT,
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_SIGNAL,
  DRM_PANTHOR_SYNC_OP_WAIT,
  DRM_SYNCOBJ_CREATE_SIGNALED,
  type DrmPanthorSyncOpArgs,
  DrmPanthorTilerHeapCreate,
  EINVAL,
  ENOSPC,
  PANTHOR_GROUP_PRIORITY_MEDIUM,
} from "@panmmu/uapi";
import type { PanKmodClient } from "./pan-kmod.js";
import {
  PAN_KMOD_BATCH_POOL_SIZE,
  PAN_KMOD_CS_CHUNK_SIZE,
  PAN_KMOD_OOM_CTX_DUMP_ADDR,
  PAN_KMOD_POSITION_FIFO_SIZE,
  PAN_KMOD_RINGBUF_SIZE,
  type PanKmodBatch,
  type PanKmodBatchResult,
  type PanKmodContextOptions,
  type PanKmodHeap,
  type PanKmodResetStatus,
  type PanKmodStateCheck,
  type PanKmodTilerHeapConfig,
} from "./pan-kmod-context-types.js";
import {
  panKmodBatchEnd,
  panKmodBatchPrologue,
  panKmodInitStream,
  panKmodOomHandlerStream,
} from "./pan-kmod-streams.js";
import type { PanKmodBo } from "./pan-kmod-types.js";

const popcount = (v: bigint): number => {
  let n = 0;
  for (let x = v; x !== 0n; x &= x - 1n) n++;
  return n;
};

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A Gallium context on the CSF path. */
export class PanKmodContext {
  /** Binary syncobj that follows the context's last batch. */
  readonly syncobj: number;
  /** The tiler heap the context asks for. */
  readonly heapConfig: PanKmodTilerHeapConfig;
  /** Group handle (0 while not initialised). */
  group = 0;
  /** The tiler heap (null while not initialised). */
  heap: PanKmodHeap | null = null;
  /** The tiler heap descriptor BO. */
  descBo: PanKmodBo | null = null;
  /** The temporary geometry buffer (GPU-only). */
  geomBo: PanKmodBo | null = null;
  /** The tiler-OOM handler's stream BO. */
  oomHandlerBo: PanKmodBo | null = null;
  /** Bytes of the tiler-OOM handler. */
  oomHandlerLength = 0;
  /** The handler's register save area. */
  regSaveBo: PanKmodBo | null = null;
  /** Whether the group, heap and buffers exist. */
  isInit = false;
  /** Reset status since last read. */
  resetStatus: PanKmodResetStatus = "no-reset";
  /** Set once a failed submit found the VM unusable: the device is lost for this context. */
  vmLost = false;
  /** Batches submitted or attempted. */
  batches = 0;

  /**
   * @param k - the client (its VM must exist); @param syncobj - the context syncobj;
   * @param options - how the context is made.
   */
  private constructor(
    readonly k: PanKmodClient,
    syncobj: number,
    readonly options: PanKmodContextOptions,
  ) {
    this.syncobj = syncobj;
    this.heapConfig = {
      chunkSize: options.tilerHeap?.chunkSize ?? 2 * 1024 * 1024,
      initialChunks: options.tilerHeap?.initialChunks ?? 5,
      maxChunks: options.tilerHeap?.maxChunks ?? 64,
    };
  }

  /**
   * Creates a context: its syncobj (created signalled), then the CSF state ({@link init}). The
   * context, or the negative errno (nothing kept). Mirrors panfrost_create_context() as far as
   * the kernel sees it.
   */
  static create(k: PanKmodClient, options: PanKmodContextOptions = {}): PanKmodContext | number {
    const so = k.fd.syncobjCreate(DRM_SYNCOBJ_CREATE_SIGNALED, "SIGNALED");
    if (so < 0) return so;
    const ctx = new PanKmodContext(k, so, options);
    const ret = ctx.init();
    if (ret < 0) {
      k.fd.syncobjDestroy(so);
      return ret;
    }
    return ctx;
  }

  private get vmId(): number {
    const vm = this.k.vm;
    if (vm === null) throw new Error("pan_kmod: no VM");
    return vm.id;
  }

  /** Writes `bytes` at the start of a CPU-mapped BO. */
  private static fill(bo: PanKmodBo, bytes: Uint8Array): void {
    if (bo.cpu === null) throw new Error(`pan_kmod: BO ${bo.handle} is not CPU-mapped`);
    bo.cpu.write(0, bytes);
  }

  /**
   * Sets the context up: GROUP_CREATE (one queue of priority 1 with a 64 KiB ring, the screen's
   * core masks and their popcounts, one tiler, the context's priority), TILER_HEAP_CREATE, the
   * heap descriptor, geometry buffer, init stream, OOM handler and register save BOs, then the
   * init stream (heap context and OOM handler registered) submitted signalling the context's
   * syncobj, waited for, and its buffer freed. 0, or the negative errno (everything undone).
   * Mirrors csf_init_context().
   */
  init(): number {
    const k = this.k;
    const fd = k.fd;
    const gpu = k.props.gpu;
    const compute = this.options.computeCoreMask ?? gpu.shader_present;
    const fragment = this.options.fragmentCoreMask ?? gpu.shader_present;
    const priority = this.options.priority ?? PANTHOR_GROUP_PRIORITY_MEDIUM;
    const vmId = this.vmId;
    const g = fd.groupCreate(
      vmId,
      [{ priority: 1, ringbufSize: PAN_KMOD_RINGBUF_SIZE }],
      {
        compute_core_mask: compute,
        fragment_core_mask: fragment,
        tiler_core_mask: 1n,
        max_compute_cores: popcount(compute),
        max_fragment_cores: popcount(fragment),
        max_tiler_cores: 1,
        priority,
      },
      {
        vm_id: vmId,
        queues: `1:${PAN_KMOD_RINGBUF_SIZE}`,
        compute_core_mask: compute,
        fragment_core_mask: fragment,
        tiler_core_mask: 1n,
        max_compute_cores: popcount(compute),
        max_fragment_cores: popcount(fragment),
        max_tiler_cores: 1,
        priority,
      },
    );
    if (g.ret < 0) return g.ret;
    this.group = g.handle;
    const hc = DrmPanthorTilerHeapCreate.zero();
    hc.vm_id = vmId;
    hc.chunk_size = this.heapConfig.chunkSize;
    hc.initial_chunk_count = this.heapConfig.initialChunks;
    hc.max_chunks = this.heapConfig.maxChunks;
    hc.target_in_flight = 65535;
    const h = fd.tilerHeapCreate(hc);
    const bos: PanKmodBo[] = [];
    // The error path of csf_init_context(): buffers, then the heap, then the group.
    const fail = (ret: number): number => {
      for (const bo of bos.reverse()) k.boFree(bo);
      if (this.heap !== null) fd.tilerHeapDestroy(this.heap.handle);
      fd.groupDestroy(g.handle);
      this.group = 0;
      this.heap = null;
      this.descBo = this.geomBo = this.oomHandlerBo = this.regSaveBo = null;
      return ret;
    };
    if (h.ret < 0) return fail(h.ret);
    const heap: PanKmodHeap = {
      handle: h.out.handle,
      ctxVa: h.out.tiler_heap_ctx_gpu_va,
      firstChunkVa: h.out.first_heap_chunk_gpu_va,
    };
    this.heap = heap;
    const alloc = (size: number, invisible: boolean, label: string): PanKmodBo | number => {
      const bo = k.boAlloc(BigInt(size), { invisible }, label);
      if (typeof bo !== "number") bos.push(bo);
      return bo;
    };
    const desc = alloc(4096, false, "Tiler Heap");
    if (typeof desc === "number") return fail(desc);
    this.descBo = desc;
    PanKmodContext.fill(desc, this.heapDescriptor(heap));
    const geom = alloc(PAN_KMOD_POSITION_FIFO_SIZE, true, "Temporary Geometry buffer");
    if (typeof geom === "number") return fail(geom);
    this.geomBo = geom;
    const initBo = alloc(4096, false, "Temporary CS buffer");
    if (typeof initBo === "number") return fail(initBo);
    const handlerBo = alloc(4096, false, "Temporary CS buffer");
    if (typeof handlerBo === "number") return fail(handlerBo);
    const regSave = alloc(4096, false, "reg save bo");
    if (typeof regSave === "number") return fail(regSave);
    const handler = panKmodOomHandlerStream();
    PanKmodContext.fill(handlerBo, handler);
    this.oomHandlerBo = handlerBo;
    this.oomHandlerLength = handler.length;
    this.regSaveBo = regSave;
    const init = panKmodInitStream(heap.ctxVa, handlerBo.va, handler.length);
    PanKmodContext.fill(initBo, init);
    const ret = fd.groupSubmit(g.handle, [
      {
        queueIndex: 0,
        streamAddr: initBo.va,
        streamSize: init.length,
        latestFlush: k.flushId(),
        syncs: [
          {
            flags: DRM_PANTHOR_SYNC_OP_SIGNAL | DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ,
            handle: this.syncobj,
            timeline_value: 0n,
          },
        ],
      },
    ]);
    if (ret < 0) return fail(ret);
    // Wait before freeing the init stream's buffer.
    fd.syncobjWait([this.syncobj], k.infiniteDeadline(), 0);
    k.boFree(initBo);
    this.resetStatus = "no-reset";
    this.isInit = true;
    return 0;
  }

  /**
   * The heap descriptor the CPU writes (Mesa packs genxml's TILER_HEAP): chunk size, base =
   * the first chunk, bottom = base + 64 (past the chunk header), top = base + size, as four
   * little-endian u64 in this model's layout (the simulated tiler does not read it).
   */
  private heapDescriptor(heap: PanKmodHeap): Uint8Array {
    const b = new Uint8Array(32);
    const v = new DataView(b.buffer);
    const size = BigInt(this.heapConfig.chunkSize);
    v.setBigUint64(0, size, true);
    v.setBigUint64(8, heap.firstChunkVa, true);
    v.setBigUint64(16, heap.firstChunkVa + 64n, true);
    v.setBigUint64(24, heap.firstChunkVa + size, true);
    return b;
  }

  /**
   * Tears the CSF state down: waits for the last batch (the context syncobj), destroys the
   * tiler heap, then the group, then frees the geometry, descriptor, OOM handler and register
   * save BOs. Mirrors csf_cleanup_context().
   */
  cleanup(): void {
    if (!this.isInit) return;
    const k = this.k;
    k.fd.syncobjWait([this.syncobj], k.infiniteDeadline(), 0);
    if (this.heap !== null) k.fd.tilerHeapDestroy(this.heap.handle);
    k.fd.groupDestroy(this.group);
    for (const bo of [this.geomBo, this.descBo, this.oomHandlerBo, this.regSaveBo]) {
      if (bo !== null) k.boFree(bo);
    }
    this.group = 0;
    this.heap = null;
    this.descBo = this.geomBo = this.oomHandlerBo = this.regSaveBo = null;
    this.isInit = false;
  }

  /** Destroys the context: its CSF state, then its syncobj. Mirrors panfrost_destroy_context(). */
  destroy(): number {
    this.cleanup();
    return this.k.fd.syncobjDestroy(this.syncobj);
  }

  /** Waits for the context's last batch (glFinish()): SYNCOBJ_WAIT on the context syncobj. */
  finish(): number {
    return this.k.fd.syncobjWait([this.syncobj], this.k.infiniteDeadline(), 0);
  }

  /**
   * After a failed submit: GROUP_GET_STATE; a group neither faulty nor timed out was a
   * transient error; otherwise VM_GET_STATE, and with a usable VM the context is re-created
   * (reset status guilty, or innocent when the kernel says so). An unusable VM cannot be
   * recovered: the context is left as it is and {@link vmLost} set (Mesa asserts there).
   * Mirrors csf_check_ctx_state_and_reinit().
   */
  checkStateAndReinit(): PanKmodStateCheck {
    const r = this.k.fd.groupGetState(this.group);
    if (r.ret < 0) {
      this.updateResetStatus("unknown");
      return { groupState: null, vm: null, reinit: false };
    }
    const state = r.out.state;
    if ((state & (DRM_PANTHOR_GROUP_STATE_FATAL_FAULT | DRM_PANTHOR_GROUP_STATE_TIMEDOUT)) === 0) {
      this.updateResetStatus("no-reset");
      return { groupState: state, vm: null, reinit: false };
    }
    const vm = this.k.vmQueryState();
    if (vm !== "usable") {
      this.vmLost = true;
      return { groupState: state, vm, reinit: false };
    }
    this.updateResetStatus(
      (state & DRM_PANTHOR_GROUP_STATE_INNOCENT) !== 0 ? "innocent" : "guilty",
    );
    this.cleanup();
    const ret = this.init();
    return { groupState: state, vm, reinit: ret === 0 };
  }

  /** Merges a new reset status: guilty wins, then unknown, then innocent. Mirrors update_reset_status(). */
  private updateResetStatus(s: PanKmodResetStatus): void {
    if (s === "guilty") this.resetStatus = s;
    else if (s === "unknown" && this.resetStatus !== "guilty") this.resetStatus = s;
    else if (s === "innocent" && this.resetStatus === "no-reset") this.resetStatus = s;
  }

  /**
   * Runs one batch: its descriptor pool and command-stream BOs allocated, the stream (the
   * tiler-OOM context register when it draws, `batch.body`, the end of batch) written, the wait
   * ops of the BOs it accesses collected, GROUP_SUBMIT on queue 0 with LATEST_FLUSH_ID and a
   * signal of the next VM timeline point; then the point recorded in the BOs it touched and
   * transferred into the context syncobj (or, on a failed submit, the context checked and maybe
   * re-created); finally its BOs freed (their unmaps wait for the batch).
   * Mirrors csf_init_batch() + csf_submit_batch() + the batch cleanup.
   */
  submitBatch(batch: PanKmodBatch): PanKmodBatchResult {
    const k = this.k;
    const vm = k.vm;
    const index = this.batches++;
    const none = (ret: number): PanKmodBatchResult => ({
      ret,
      point: 0n,
      streamVa: 0n,
      streamSize: 0,
      check: null,
    });
    if (vm === null || !this.isInit) return none(-EINVAL);
    const pool = k.boAlloc(BigInt(PAN_KMOD_BATCH_POOL_SIZE), {}, "Batch pool");
    if (typeof pool === "number") return none(pool);
    const cs = k.boAlloc(BigInt(PAN_KMOD_CS_CHUNK_SIZE), {}, "CS chunk pool");
    if (typeof cs === "number") {
      k.boFree(pool);
      return none(cs);
    }
    const draws = batch.draws ?? true;
    const oomCtxVa = draws ? pool.va : 0n;
    let prologue: Uint8Array = new Uint8Array(0);
    if (draws) {
      const ctx = new Uint8Array(16);
      new DataView(ctx.buffer).setBigUint64(
        PAN_KMOD_OOM_CTX_DUMP_ADDR,
        this.regSaveBo?.va ?? 0n,
        true,
      );
      PanKmodContext.fill(pool, ctx);
      prologue = panKmodBatchPrologue(oomCtxVa);
    }
    const body = batch.body({ streamVa: cs.va, pool, oomCtxVa, index });
    const stream = concat([prologue, body, panKmodBatchEnd()]);
    if (stream.length > PAN_KMOD_CS_CHUNK_SIZE) {
      k.boFree(cs);
      k.boFree(pool);
      return none(-ENOSPC);
    }
    PanKmodContext.fill(cs, stream);

    // csf_submit_collect_wait_ops(): VM-private BOs fold into one wait on the VM timeline.
    const syncs: DrmPanthorSyncOpArgs[] = [];
    const writes = new Set(batch.writes ?? []);
    const accessed = [...new Set([...(batch.reads ?? []), ...writes])];
    let vmWait = 0n;
    for (const bo of accessed) {
      const p = k.boSyncPoint(bo, !writes.has(bo));
      if (bo.syncHandle === vm.syncHandle) {
        if (p > vmWait) vmWait = p;
        continue;
      }
      syncs.push({
        flags:
          DRM_PANTHOR_SYNC_OP_WAIT |
          (p !== 0n
            ? DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ
            : DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ),
        handle: bo.syncHandle,
        timeline_value: p,
      });
    }
    const timeline = DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ;
    if (vmWait > 0n) {
      syncs.push({
        flags: DRM_PANTHOR_SYNC_OP_WAIT | timeline,
        handle: vm.syncHandle,
        timeline_value: vmWait,
      });
    }
    const cur = vm.point;
    const signal = cur + 1n;
    syncs.push({
      flags: DRM_PANTHOR_SYNC_OP_SIGNAL | timeline,
      handle: vm.syncHandle,
      timeline_value: signal,
    });
    const ret = k.fd.groupSubmit(this.group, [
      {
        queueIndex: 0,
        streamAddr: cs.va,
        streamSize: stream.length,
        latestFlush: k.flushId(),
        syncs,
      },
    ]);
    let check: PanKmodStateCheck | null = null;
    if (ret === 0) {
      vm.point = signal;
      // csf_attach_sync_points(): batch-private BOs first, then what the batch accessed, then
      // the context syncobj.
      for (const bo of [pool, cs]) k.boAttachSyncPoint(bo, signal, true);
      for (const bo of accessed) k.boAttachSyncPoint(bo, signal, writes.has(bo));
      k.fd.syncobjTransfer(this.syncobj, 0n, vm.syncHandle, signal, 0);
    } else {
      check = this.checkStateAndReinit();
    }
    k.boFree(cs);
    k.boFree(pool);
    return {
      ret,
      point: ret === 0 ? signal : 0n,
      streamVa: cs.va,
      streamSize: stream.length,
      check,
    };
  }
}

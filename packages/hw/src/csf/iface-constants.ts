/**
 * Constants of the CSF firmware interface and firmware image, as panthor uses them
 * (panthor_fw.h, panthor_fw.c, and the panthor_regs.h names the firmware code uses), checked
 * one by one against `golden/regs/panthor-fw.json`. MCU_CONTROL, MCU_STATUS and
 * CSF_GPU_LATEST_FLUSH_ID live with the other GPU_CONTROL registers.
 */

/** Most command-stream groups (CSG slots) the firmware may report. */
export const MAX_CSGS = 0x1f;
/** Most command streams per group the firmware may report. */
export const MAX_CS_PER_CSG = 0x20;
/** CS features: the stream can run compute work. */
export const CS_FEATURES_COMPUTE = 0x1_0000;
/** CS features: the stream can run fragment work. */
export const CS_FEATURES_FRAGMENT = 0x2_0000;
/** CS features: the stream can run tiler work. */
export const CS_FEATURES_TILER = 0x4_0000;
/** CS req/ack: the state field. */
export const CS_STATE_MASK = 7;
/** CS state: stopped. */
export const CS_STATE_STOP = 0;
/** CS state: started (fetching from its ring). */
export const CS_STATE_START = 1;
/** CS req: raise an event when the extract pointer moves. */
export const CS_EXTRACT_EVENT = 0x10;
/** CS req: a stream blocked in a sync wait counts as idle. */
export const CS_IDLE_SYNC_WAIT = 0x100;
/** CS req: a stream waiting for protected mode counts as idle. */
export const CS_IDLE_PROTM_PENDING = 0x200;
/** CS req: a stream with an empty ring counts as idle. */
export const CS_IDLE_EMPTY = 0x400;
/** CS req: a stream waiting for a resource counts as idle. */
export const CS_IDLE_RESOURCE_REQ = 0x800;
/** CS event: the tiler ran out of heap memory. */
export const CS_TILER_OOM = 0x400_0000;
/** CS event: the stream waits to enter protected mode. */
export const CS_PROTM_PENDING = 0x800_0000;
/** CS event: an unrecoverable error stopped the stream. */
export const CS_FATAL = 0x4000_0000;
/** CS event: a recoverable fault; the stream waits for the acknowledge. */
export const CS_FAULT = 0x8000_0000;
/** CS req bits that are requests. */
export const CS_REQ_MASK = 0xf17;
/** CS ack bits that are events. */
export const CS_EVT_MASK = 0xcc00_0000;
/** CS status_wait: the scoreboard slots waited on. */
export const CS_STATUS_WAIT_SB_MASK = 0xffff;
/** CS status_wait: which instruction waits on scoreboards. */
export const CS_STATUS_WAIT_SB_SRC_MASK = 0xf_0000;
/** CS status_wait: no scoreboard wait. */
export const CS_STATUS_WAIT_SB_SRC_NONE = 0;
/** CS status_wait: a WAIT instruction waits on scoreboards. */
export const CS_STATUS_WAIT_SB_SRC_WAIT = 0x8_0000;
/** CS status_wait: the sync wait condition is "less or equal". */
export const CS_STATUS_WAIT_SYNC_COND_LE = 0;
/** CS status_wait: the sync wait condition is "greater than". */
export const CS_STATUS_WAIT_SYNC_COND_GT = 0x100_0000;
/** CS status_wait: the sync wait condition field. */
export const CS_STATUS_WAIT_SYNC_COND_MASK = 0xf00_0000;
/** CS status_wait: a progress wait. */
export const CS_STATUS_WAIT_PROGRESS = 0x1000_0000;
/** CS status_wait: waiting for protected mode. */
export const CS_STATUS_WAIT_PROTM = 0x2000_0000;
/** CS status_wait: the sync object is 64-bit. */
export const CS_STATUS_WAIT_SYNC_64B = 0x4000_0000;
/** CS status_wait: a sync wait is in progress. */
export const CS_STATUS_WAIT_SYNC = 0x8000_0000;
/** CS blocked reason: not blocked. */
export const CS_STATUS_BLOCKED_REASON_UNBLOCKED = 0;
/** CS blocked reason: scoreboard wait. */
export const CS_STATUS_BLOCKED_REASON_SB_WAIT = 1;
/** CS blocked reason: progress wait. */
export const CS_STATUS_BLOCKED_REASON_PROGRESS_WAIT = 2;
/** CS blocked reason: sync wait. */
export const CS_STATUS_BLOCKED_REASON_SYNC_WAIT = 3;
/** CS blocked reason: deferred. */
export const CS_STATUS_BLOCKED_REASON_DEFERRED = 4;
/** CS blocked reason: waiting for a resource. */
export const CS_STATUS_BLOCKED_REASON_RESOURCE = 5;
/** CS blocked reason: waiting for a cache flush. */
export const CS_STATUS_BLOCKED_REASON_FLUSH = 6;
/** CS blocked reason: the field. */
export const CS_STATUS_BLOCKED_REASON_MASK = 15;
/** CSG req/ack: the state field. */
export const CSG_STATE_MASK = 7;
/** CSG state: terminate (stop at once, drop work in flight). */
export const CSG_STATE_TERMINATE = 0;
/** CSG state: start with clean streams. */
export const CSG_STATE_START = 1;
/** CSG state: suspend into the suspend buffer. */
export const CSG_STATE_SUSPEND = 2;
/** CSG state: resume from the suspend buffer. */
export const CSG_STATE_RESUME = 3;
/** CSG req: endpoint configuration changed. */
export const CSG_ENDPOINT_CONFIG = 0x10;
/** CSG req: refresh the stream status fields. */
export const CSG_STATUS_UPDATE = 0x20;
/** CSG event: a sync object was updated. */
export const CSG_SYNC_UPDATE = 0x1000_0000;
/** CSG event: every stream of the group is idle. */
export const CSG_IDLE = 0x2000_0000;
/** CSG req: the group's doorbell bit. */
export const CSG_DOORBELL = 0x4000_0000;
/** CSG event: a stream made no progress in time. */
export const CSG_PROGRESS_TIMER_EVENT = 0x8000_0000;
/** CSG req bits that are requests. */
export const CSG_REQ_MASK = 0x37;
/** CSG ack bits that are events. */
export const CSG_EVT_MASK = 0xb000_0000;
/** CSG endpoint_req: exclusive compute. */
export const CSG_EP_REQ_EXCL_COMPUTE = 0x10_0000;
/** CSG endpoint_req: exclusive fragment. */
export const CSG_EP_REQ_EXCL_FRAGMENT = 0x20_0000;
/** CSG endpoint_req: the priority field. */
export const CSG_EP_REQ_PRIORITY_MASK = 0xf000_0000;
/** CSG status_state: the group is idle. */
export const CSG_STATUS_STATE_IS_IDLE = 1;
/** GLB req: halt the MCU (configuration bit, never acknowledged through the interface). */
export const GLB_HALT = 1;
/** GLB req: the progress timer changed. */
export const GLB_CFG_PROGRESS_TIMER = 2;
/** GLB req: the core enable mask changed. */
export const GLB_CFG_ALLOC_EN = 4;
/** GLB req: the power-off timer changed. */
export const GLB_CFG_POWEROFF_TIMER = 8;
/** GLB req: enter protected mode. */
export const GLB_PROTM_ENTER = 0x10;
/** GLB req: enable performance counters. */
export const GLB_PERFCNT_EN = 0x20;
/** GLB req: sample performance counters. */
export const GLB_PERFCNT_SAMPLE = 0x40;
/** GLB req: enable the firmware cycle counter (configuration bit). */
export const GLB_COUNTER_EN = 0x80;
/** GLB req: ping (watchdog). */
export const GLB_PING = 0x100;
/** GLB req: firmware configuration changed. */
export const GLB_FWCFG_UPDATE = 0x200;
/** GLB req: enable the idle event (configuration bit). */
export const GLB_IDLE_EN = 0x400;
/** GLB req: sleep. */
export const GLB_SLEEP = 0x1000;
/** GLB req/ack: the state field (firmware 4.1.0 and later). */
export const GLB_STATE_MASK = 0x7000;
/** GLB state: active. */
export const GLB_STATE_ACTIVE = 0;
/** GLB state: halt. */
export const GLB_STATE_HALT = 1;
/** GLB state: sleep. */
export const GLB_STATE_SLEEP = 2;
/** GLB state: suspend. */
export const GLB_STATE_SUSPEND = 3;
/** GLB event: compute endpoints are inactive. */
export const GLB_INACTIVE_COMPUTE = 0x10_0000;
/** GLB event: fragment endpoints are inactive. */
export const GLB_INACTIVE_FRAGMENT = 0x20_0000;
/** GLB event: tiler endpoints are inactive. */
export const GLB_INACTIVE_TILER = 0x40_0000;
/** GLB event: protected mode was left. */
export const GLB_PROTM_EXIT = 0x80_0000;
/** GLB event: performance-counter buffer threshold. */
export const GLB_PERFCNT_THRESHOLD = 0x100_0000;
/** GLB event: performance-counter buffer overflow. */
export const GLB_PERFCNT_OVERFLOW = 0x200_0000;
/** GLB event: every group slot is idle. */
export const GLB_IDLE = 0x400_0000;
/** GLB: firmware debug request. */
export const GLB_DBG_CSF = 0x4000_0000;
/** GLB: host debug request. */
export const GLB_DBG_HOST = 0x8000_0000;
/** GLB req bits that are requests. */
export const GLB_REQ_MASK = 0x7ff;
/** GLB ack bits that are events. */
export const GLB_EVT_MASK = 0x7f0_0000;
/** GLB timer fields: the GPU cycle counter is the source. */
export const GLB_TIMER_SOURCE_GPU_COUNTER = 0x8000_0000;
/** halt_status: the firmware halted cleanly. */
export const PANTHOR_FW_HALT_OK = 0;
/** halt_status: the firmware panicked. */
export const PANTHOR_FW_HALT_ON_PANIC = 0x4e;
/** halt_status: the firmware watchdog expired. */
export const PANTHOR_FW_HALT_ON_WATCHDOG_EXPIRATION = 0x4f;
/** How often the driver pings the firmware, in ms. */
export const PING_INTERVAL_MS = 12_000;
/** The driver's progress timeout, in GPU cycles. */
export const PROGRESS_TIMEOUT_CYCLES = 0x9c40_0000;
/** progress_timer counts units of 2^this cycles. */
export const PROGRESS_TIMEOUT_SCALE_SHIFT = 10;
/** The driver's idle timer, in µs. */
export const IDLE_HYSTERESIS_US = 800;
/** The driver's power-off timer, in µs. */
export const PWROFF_HYSTERESIS_US = 10_000;
/** How long the driver waits for the MCU to halt, in µs. */
export const MCU_HALT_TIMEOUT_US = 1_000_000;
/** Magic number of a firmware image. */
export const CSF_FW_BINARY_HEADER_MAGIC = 0xc3f1_3a6e;
/** Highest image format major version the driver accepts. */
export const CSF_FW_BINARY_HEADER_MAJOR_MAX = 0;
/** Image entry header: UPDATE bit. */
export const CSF_FW_BINARY_ENTRY_UPDATE = 0x4000_0000;
/** Image entry header: OPTIONAL bit (an unknown optional entry is skipped). */
export const CSF_FW_BINARY_ENTRY_OPTIONAL = 0x8000_0000;
/** IFACE section flag: readable. */
export const CSF_FW_BINARY_IFACE_ENTRY_RD = 1;
/** IFACE section flag: writable. */
export const CSF_FW_BINARY_IFACE_ENTRY_WR = 2;
/** IFACE section flag: executable. */
export const CSF_FW_BINARY_IFACE_ENTRY_EX = 4;
/** IFACE section cache mode: none. */
export const CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_NONE = 0;
/** IFACE section cache mode: cached. */
export const CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_CACHED = 8;
/** IFACE section cache mode: uncached, coherent. */
export const CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_UNCACHED_COHERENT = 0x10;
/** IFACE section cache mode: cached, coherent. */
export const CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_CACHED_COHERENT = 0x18;
/** IFACE section flags: the cache mode field. */
export const CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_MASK = 0x18;
/** IFACE section flag: protected-mode section (skipped by the driver). */
export const CSF_FW_BINARY_IFACE_ENTRY_PROT = 0x20;
/** IFACE section flag: shared with the host. */
export const CSF_FW_BINARY_IFACE_ENTRY_SHARED = 0x4000_0000;
/** IFACE section flag: zero the rest of the section. */
export const CSF_FW_BINARY_IFACE_ENTRY_ZERO = 0x8000_0000;
/** Every IFACE section flag the driver understands. */
export const CSF_FW_BINARY_IFACE_ENTRY_SUPPORTED_FLAGS = 0xc000_003f;
/** MCU VA of the shared section (the interface blocks). */
export const CSF_MCU_SHARED_REGION_START = 0x400_0000;
/** Size of the MCU VA range kernel allocations without a fixed VA go to. */
export const CSF_MCU_SHARED_REGION_SIZE = 0x400_0000;
/** Fewest streams per group the driver accepts. */
export const MIN_CS_PER_CSG = 8;
/** Fewest CSG slots the driver accepts. */
export const MIN_CSGS = 3;
/** Offset of group 0's control block in the shared section. */
export const CSF_GROUP_CONTROL_OFFSET = 0x1000;
/** Offset of stream 0's control block in a group's control block. */
export const CSF_STREAM_CONTROL_OFFSET = 0x40;
/** Stream registers the firmware does not preserve. */
export const CSF_UNPRESERVED_REG_COUNT = 4;
/** Image entry type: a section (IFACE). */
export const CSF_FW_BINARY_ENTRY_TYPE_IFACE = 0;
/** Image entry type: configuration (skipped). */
export const CSF_FW_BINARY_ENTRY_TYPE_CONFIG = 1;
/** Image entry type: test (skipped). */
export const CSF_FW_BINARY_ENTRY_TYPE_FUTF_TEST = 2;
/** Image entry type: trace buffer (skipped). */
export const CSF_FW_BINARY_ENTRY_TYPE_TRACE_BUFFER = 3;
/** Image entry type: timeline metadata (skipped). */
export const CSF_FW_BINARY_ENTRY_TYPE_TIMELINE_METADATA = 4;
/** Image entry type: build information. */
export const CSF_FW_BINARY_ENTRY_TYPE_BUILD_INFO_METADATA = 6;
/** MCU_CONTROL: enable. */
export const MCU_CONTROL_ENABLE = 1;
/** MCU_CONTROL: enable, powered with the GPU (what the driver writes). */
export const MCU_CONTROL_AUTO = 2;
/** MCU_CONTROL: disable. */
export const MCU_CONTROL_DISABLE = 0;
/** MCU_STATUS: disabled. */
export const MCU_STATUS_DISABLED = 0;
/** MCU_STATUS: enabled. */
export const MCU_STATUS_ENABLED = 1;
/** MCU_STATUS: halted. */
export const MCU_STATUS_HALT = 2;
/** MCU_STATUS: fatal error. */
export const MCU_STATUS_FATAL = 3;
/** JOB_IRQ raw status register (CSF). */
export const JOB_INT_RAWSTAT = 0x1000;
/** JOB_IRQ clear register (CSF). */
export const JOB_INT_CLEAR = 0x1004;
/** JOB_IRQ mask register (CSF). */
export const JOB_INT_MASK = 0x1008;
/** JOB_IRQ masked status register (CSF). */
export const JOB_INT_STAT = 0x100c;
/** JOB_IRQ bit of the global interface. */
export const JOB_INT_GLOBAL_IF = 0x8000_0000;
/** The global doorbell. */
export const CSF_GLB_DOORBELL_ID = 0;

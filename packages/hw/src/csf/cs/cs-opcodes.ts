/**
 * The CS instruction subset as the interpreter decodes it: opcode numbers (bits 63:56 of the
 * 64-bit word) and the blocked-reason codes it publishes. Fields are read from the word's two
 * 32-bit halves (`lo` = bits 31:0, `hi` = bits 63:32), so decoding needs no 64-bit arithmetic.
 */

/** NOP. */
export const CS_NOP = 0;
/** MOVE48: rD:rD+1 = imm48. */
export const CS_MOVE48 = 1;
/** MOVE32: rD = imm32. */
export const CS_MOVE32 = 2;
/** WAIT for scoreboard slots. */
export const CS_WAIT = 3;
/** RUN_COMPUTE (endpoint task). */
export const CS_RUN_COMPUTE = 4;
/** RUN_TILING (endpoint task). */
export const CS_RUN_TILING = 5;
/** RUN_IDVS (endpoint task). */
export const CS_RUN_IDVS = 6;
/** RUN_FRAGMENT (endpoint task). */
export const CS_RUN_FRAGMENT = 7;
/** RUN_FULLSCREEN (endpoint task). */
export const CS_RUN_FULLSCREEN = 8;
/** FINISH_TILING. */
export const CS_FINISH_TILING = 9;
/** FINISH_FRAGMENT (async). */
export const CS_FINISH_FRAGMENT = 11;
/** ADD_IMM32. */
export const CS_ADD_IMM32 = 16;
/** ADD_IMM64. */
export const CS_ADD_IMM64 = 17;
/** UMIN32 (COMPARE_SELECT32). */
export const CS_UMIN32 = 18;
/** LOAD_MULTIPLE. */
export const CS_LOAD_MULTIPLE = 20;
/** STORE_MULTIPLE. */
export const CS_STORE_MULTIPLE = 21;
/** BRANCH. */
export const CS_BRANCH = 22;
/** SET_SB_ENTRY. */
export const CS_SET_SB_ENTRY = 23;
/** PROGRESS_WAIT (not supported by the model). */
export const CS_PROGRESS_WAIT = 24;
/** SET_EXCEPTION_HANDLER. */
export const CS_SET_EXCEPTION_HANDLER = 25;
/** CALL. */
export const CS_CALL = 32;
/** JUMP. */
export const CS_JUMP = 33;
/** REQ_RESOURCE. */
export const CS_REQ_RESOURCE = 34;
/** FLUSH_CACHE2 (async). */
export const CS_FLUSH_CACHE2 = 36;
/** SYNC_ADD32 (async). */
export const CS_SYNC_ADD32 = 37;
/** SYNC_SET32 (async). */
export const CS_SYNC_SET32 = 38;
/** SYNC_WAIT32. */
export const CS_SYNC_WAIT32 = 39;
/** STORE_STATE (async). */
export const CS_STORE_STATE = 40;
/** PROT_REGION (no effect in the model). */
export const CS_PROT_REGION = 41;
/** PROGRESS_STORE (no effect in the model). */
export const CS_PROGRESS_STORE = 42;
/** PROGRESS_LOAD (no effect in the model). */
export const CS_PROGRESS_LOAD = 43;
/** RUN_COMPUTE_INDIRECT (endpoint task). */
export const CS_RUN_COMPUTE_INDIRECT = 44;
/** ERROR_BARRIER. */
export const CS_ERROR_BARRIER = 47;
/** HEAP_SET. */
export const CS_HEAP_SET = 48;
/** HEAP_OPERATION (async). */
export const CS_HEAP_OPERATION = 49;
/** TRACE_POINT (no effect in the model). */
export const CS_TRACE_POINT = 50;
/** SYNC_ADD64 (async). */
export const CS_SYNC_ADD64 = 51;
/** SYNC_SET64 (async). */
export const CS_SYNC_SET64 = 52;
/** SYNC_WAIT64. */
export const CS_SYNC_WAIT64 = 53;

/** Conditions of BRANCH and SYNC_WAIT. */
export const CS_COND_LE = 0;
/** Greater than. */
export const CS_COND_GT = 1;
/** Equal. */
export const CS_COND_EQ = 2;
/** Not equal. */
export const CS_COND_NE = 3;
/** Less than. */
export const CS_COND_LT = 4;
/** Greater or equal. */
export const CS_COND_GE = 5;
/** Always. */
export const CS_COND_ALWAYS = 6;

/** Most nested CALLs a stream supports. */
export const CS_CALL_STACK_DEPTH = 8;
/** Scoreboard slots the model tracks (wait masks are 16 bits). */
export const CS_SCOREBOARD_SLOTS = 16;

const OPCODE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, "NOP"],
  [1, "MOVE48"],
  [2, "MOVE32"],
  [3, "WAIT"],
  [4, "RUN_COMPUTE"],
  [5, "RUN_TILING"],
  [6, "RUN_IDVS"],
  [7, "RUN_FRAGMENT"],
  [8, "RUN_FULLSCREEN"],
  [9, "FINISH_TILING"],
  [11, "FINISH_FRAGMENT"],
  [16, "ADD_IMM32"],
  [17, "ADD_IMM64"],
  [18, "UMIN32"],
  [20, "LOAD_MULTIPLE"],
  [21, "STORE_MULTIPLE"],
  [22, "BRANCH"],
  [23, "SET_SB_ENTRY"],
  [24, "PROGRESS_WAIT"],
  [25, "SET_EXCEPTION_HANDLER"],
  [32, "CALL"],
  [33, "JUMP"],
  [34, "REQ_RESOURCE"],
  [36, "FLUSH_CACHE2"],
  [37, "SYNC_ADD32"],
  [38, "SYNC_SET32"],
  [39, "SYNC_WAIT32"],
  [40, "STORE_STATE"],
  [41, "PROT_REGION"],
  [42, "PROGRESS_STORE"],
  [43, "PROGRESS_LOAD"],
  [44, "RUN_COMPUTE_INDIRECT"],
  [47, "ERROR_BARRIER"],
  [48, "HEAP_SET"],
  [49, "HEAP_OPERATION"],
  [50, "TRACE_POINT"],
  [51, "SYNC_ADD64"],
  [52, "SYNC_SET64"],
  [53, "SYNC_WAIT64"],
]);

/** The genxml name of `opcode` ("NOP", "SYNC_ADD32", …), or "INVALID_0x.." outside the subset. */
export function csOpcodeName(opcode: number): string {
  return OPCODE_NAMES.get(opcode) ?? `INVALID_0x${opcode.toString(16)}`;
}

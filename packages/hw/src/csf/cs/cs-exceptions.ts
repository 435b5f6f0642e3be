/**
 * Exception codes a command stream reports in its FATAL/FAULT words (panthor's
 * `drm_panthor_exception_type`; MMU faults keep their MMU codes, 0xC0 and up).
 */

/** CS_CONFIG_FAULT: bad stream configuration (e.g. a CALL length that is not whole instructions). */
export const EXCEPTION_CS_CONFIG_FAULT = 0x40;
/** CS_UNRECOVERABLE: the stream cannot continue; the driver resets the GPU. */
export const EXCEPTION_CS_UNRECOVERABLE = 0x41;
/** CS_ENDPOINT_FAULT: an endpoint (RUN_*) task failed. */
export const EXCEPTION_CS_ENDPOINT_FAULT = 0x44;
/** CS_BUS_FAULT: a stream access hit an address with no memory behind it. */
export const EXCEPTION_CS_BUS_FAULT = 0x48;
/** CS_INSTR_INVALID: an opcode outside the instruction set, or an invalid operand. */
export const EXCEPTION_CS_INSTR_INVALID = 0x49;
/** CS_CALL_STACK_OVERFLOW: CALL nested deeper than the call stack. */
export const EXCEPTION_CS_CALL_STACK_OVERFLOW = 0x4a;
/** CS_INHERIT_FAULT: a SYNC_WAIT with error rejection met an object carrying an error. */
export const EXCEPTION_CS_INHERIT_FAULT = 0x4b;
/** OOM: the tiler ran out of heap memory and no exception handler took over (the model's FATAL for a refused heap grow). */
export const EXCEPTION_OOM = 0x60;

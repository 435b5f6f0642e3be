import { PanfrostDevice } from "../../src/device/device.js";
import type { Stack } from "./stack.js";

/** AS_STATUS of every AS: 0x2428 + 0x40 * n. */
function isAsStatus(off: number): boolean {
  return off >= 0x2400 && off < 0x2800 && (off & 0x3f) === 0x28;
}

/**
 * A second panfrost device probed on `s`'s platform through a register window whose AS_STATUS
 * reads ACTIVE while `stuck.on` is set: every MMU command then polls until its 100 ms timeout.
 */
export function stuckableDevice(s: Stack): { dev: PanfrostDevice; stuck: { on: boolean } } {
  const stuck = { on: false };
  const real = s.sim.platform.mmio;
  const mmio = {
    read32: (off: number) => (stuck.on && isAsStatus(off) ? 1 : real.read32(off)),
    write32: (off: number, v: number) => real.write32(off, v),
  };
  const dev = PanfrostDevice.probe({ ...s.sim.platform, mmio });
  if (typeof dev === "number") throw new Error(`probe failed: ${dev}`);
  return { dev, stuck };
}

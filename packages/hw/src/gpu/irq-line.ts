/**
 * A level-triggered interrupt line. Its level is computed from its register block; when the
 * level rises (or stays high after the handler ran), the handler runs as an event.
 */
import type { WarningSink } from "@panmmu/uapi";
import type { EventLoop, IrqLine, IrqName } from "../platform/interfaces.js";

/** How many back-to-back deliveries with the line still high count as an interrupt storm. */
const STORM_LIMIT = 1000;

/** Simulated interrupt line; call {@link update} whenever its block's RAWSTAT or MASK changes. */
export class IrqLineSim implements IrqLine {
  /** Which line this is. */
  readonly name: IrqName;
  /** Times the handler ran. */
  delivered = 0;
  /** Rising edges seen. */
  risingEdges = 0;
  /** Interrupt storms detected (delivery then paused until the level falls). */
  storms = 0;
  private handler: (() => void) | undefined;
  private scheduled = false;
  private lastLevel = false;
  private consecutive = 0;
  private paused = false;

  /**
   * @param name - line name.
   * @param loop - event loop the handler runs on.
   * @param levelOf - computes the level (RAWSTAT & MASK != 0 of the block).
   * @param latencyNs - delay between the level rising and the handler running.
   * @param warnings - where a storm is reported.
   */
  constructor(
    name: IrqName,
    private readonly loop: EventLoop,
    private readonly levelOf: () => boolean,
    private readonly latencyNs: number,
    private readonly warnings: WarningSink,
  ) {
    this.name = name;
  }

  /** Current level. */
  get level(): boolean {
    return this.levelOf();
  }

  /** Registers the handler (replacing any earlier one); delivers at once if the line is high. */
  setHandler(handler: () => void): void {
    this.handler = handler;
    this.update();
    if (this.level) this.schedule();
  }

  /** Removes the handler. */
  clearHandler(): void {
    this.handler = undefined;
  }

  /** Re-evaluates the level; a rising edge schedules the handler. */
  update(): void {
    const level = this.levelOf();
    if (level && !this.lastLevel) {
      this.risingEdges++;
      this.schedule();
    }
    if (!level) {
      this.consecutive = 0;
      this.paused = false;
    }
    this.lastLevel = level;
  }

  private schedule(): void {
    if (this.scheduled || this.handler === undefined || this.paused) return;
    this.scheduled = true;
    this.loop.schedule(this.latencyNs, () => this.deliver(), `irq:${this.name}`);
  }

  private deliver(): void {
    this.scheduled = false;
    const h = this.handler;
    if (h === undefined || !this.levelOf()) return;
    this.delivered++;
    h();
    this.update();
    if (this.levelOf()) {
      this.consecutive++;
      if (this.consecutive >= STORM_LIMIT) {
        this.storms++;
        this.paused = true;
        this.warnings.warn(`irq:${this.name}`, "interrupt storm: handler left the line high");
        return;
      }
      this.schedule();
    } else {
      this.consecutive = 0;
    }
  }
}

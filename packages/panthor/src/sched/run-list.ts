/**
 * The scheduler's group lists (`run_node` lists: runnable and idle per priority, the tick's
 * old and new groups): ordered, each group in at most one at a time, moved to the head or the
 * tail as the kernel's list_move()/list_move_tail() do.
 */

/** What a member knows of the list holding it. */
export interface RunListHolder {
  /** Takes the member out. */
  remove(m: RunListMember): void;
}

/** Something that sits in at most one {@link RunList}. */
export interface RunListMember {
  /** The list it is in (its `run_node`), or null. */
  runList: RunListHolder | null;
}

/** An ordered list of groups. */
export class RunList<T extends RunListMember> {
  private readonly items: T[] = [];

  /** Members, head first. */
  get entries(): readonly T[] {
    return this.items;
  }

  /** Number of members. */
  get length(): number {
    return this.items.length;
  }

  /** The head, or null. */
  first(): T | null {
    return this.items[0] ?? null;
  }

  /** Takes `m` out of whatever list holds it and puts it at this list's tail. Mirrors list_move_tail(). */
  moveTail(m: T): void {
    listDel(m);
    this.items.push(m);
    m.runList = this;
  }

  /** Takes `m` out of whatever list holds it and puts it at this list's head. Mirrors list_move(). */
  moveHead(m: T): void {
    listDel(m);
    this.items.unshift(m);
    m.runList = this;
  }

  /** Puts `m` (in no list) just before `before`, a member of this list. Mirrors list_add_tail(&m, &before). */
  insertBefore(m: T, before: T): void {
    listDel(m);
    const i = this.items.indexOf(before);
    this.items.splice(i < 0 ? this.items.length : i, 0, m);
    m.runList = this;
  }

  /** Removes `m` if it is here. */
  remove(m: T): void {
    const i = this.items.indexOf(m);
    if (i >= 0) this.items.splice(i, 1);
    if (m.runList === this) m.runList = null;
  }
}

/** Takes `m` out of its list, if any. Mirrors list_del_init(&run_node). */
export function listDel(m: RunListMember): void {
  m.runList?.remove(m);
  m.runList = null;
}

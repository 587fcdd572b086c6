/**
 * The dialogs with a pending read across every portal of the service, against one global bound
 * (`MAX_PENDING_DIALOGS_TOTAL`): each portal's dialog table counts its own in and out, so the check is O(1)
 * however many portals there are.
 */
export class PendingTally {
  /** The most dialogs that may have a pending read at once, all portals together. */
  readonly limit: number
  #count = 0

  constructor(limit: number) {
    this.limit = limit
  }

  /** Dialogs with a pending read now, all portals together. */
  get count(): number {
    return this.#count
  }

  /** Whether a new dialog would go past the bound. */
  get full(): boolean {
    return this.#count >= this.limit
  }

  /** A portal's dialog table took on (`1`) or retired (`-1`) a dialog. */
  add(delta: number): void {
    this.#count += delta
  }
}

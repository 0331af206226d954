/**
 * One rule or tool switch at a time per campaign: such a switch changes the whole dealership, so
 * two overlapping ones could undo each other's changes in the wrong order. A conversation holds
 * the gate from its switch until it has undone it; a second conversation's switch is skipped.
 */
export class SwitchGate {
  private holder: number | undefined;

  tryAcquire(conversation: number): boolean {
    if (this.holder !== undefined && this.holder !== conversation) return false;
    this.holder = conversation;
    return true;
  }

  holds(conversation: number): boolean {
    return this.holder === conversation;
  }

  release(conversation: number): void {
    if (this.holder === conversation) this.holder = undefined;
  }
}

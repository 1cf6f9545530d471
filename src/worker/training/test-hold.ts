/**
 * End-to-end tests only (init's `testHoldAtStep`, from the page's `?testHold=N`): a run waits
 * before step N + 1 until it is stopped, so a test that reloads or stops "mid-run" meets a
 * run that is really in the middle, however fast or slow the machine. The first stop spends
 * the hold (later runs go on). Without the parameter nothing ever waits.
 */
export class TestHold {
  private waiting: (() => void)[] = [];
  private spent = false;

  constructor(private readonly atStep: number | undefined) {}

  /** Null (go on) up to the hold's step; past it, a promise that resolves on release(). */
  before(nextStep: number): Promise<void> | null {
    if (this.atStep === undefined || this.spent || nextStep <= this.atStep) return null;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** A stop request lets every held run go on to see it. */
  release(): void {
    if (this.atStep === undefined) return;
    this.spent = true;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

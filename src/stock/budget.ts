/**
 * A Worker invocation may make only so many subrequests (50 on the free plan). A step of a stock
 * sync gets a budget; the fetch it hands the store clients counts every request and refuses to go
 * past it, so a step always ends inside the limit and leaves the rest to the next queue message.
 */
export class BudgetSpent extends Error {
  override name = "BudgetSpent";
  readonly retryable = true;
}

export interface Budget {
  fetch: typeof fetch;
  readonly used: number;
  readonly remaining: number;
}

export function budgetedFetch(inner: typeof fetch, limit: number): Budget {
  let used = 0;
  return {
    fetch: (input, init) => {
      if (used >= limit) return Promise.reject(new BudgetSpent(`the step's ${limit} subrequests are spent`));
      used += 1;
      return inner(input, init);
    },
    get used() {
      return used;
    },
    get remaining() {
      return limit - used;
    },
  };
}

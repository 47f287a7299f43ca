import type { AppContext } from '../app-context.ts';

/** Settings of the packages capability (docs/packages.md), from `ctx.settings.packages`. */
export interface PackageSettings {
  /** How long after a failed auto-renewal a top-up can still revive it (PACKAGE_RENEWAL_RETRY_DAYS). */
  renewalRetryDays: number;
}

export function packageSettings(ctx: AppContext): PackageSettings {
  return ctx.settings.packages;
}

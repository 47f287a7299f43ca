import type { LoadFigures } from './support.ts';
import { cardTopUpsBench } from './card-topups.ts';
import { usageBench, usageRandomIdsBench } from './usage.ts';
import { purchasesBench } from './purchases.ts';
import { aggregatorPayBench } from './aggregator-pay.ts';

/** Benchmarks of other capabilities, run against the same seeded server after the top-ups. */
export interface ExtraBench {
  name: string;
  unit?: string;
  run(context: { baseUrl: string; apiKey: string; msisdns: string[]; durationMs: number; databaseUrl: string }): Promise<LoadFigures>;
}

export const EXTRA_BENCHES: ExtraBench[] = [purchasesBench, usageBench, usageRandomIdsBench, aggregatorPayBench, cardTopUpsBench];

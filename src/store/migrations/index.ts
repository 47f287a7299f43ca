import type { Migration } from 'kysely';
import * as core from './001-core.ts';
import * as lifecycle from './003-lifecycle.ts';
import * as packages from './002-packages.ts';
import * as payments from './004-payments.ts';
import * as aggregators from './005-aggregators.ts';
import * as agents from './006-agents.ts';
import * as partnerWebhooks from './007-partner-webhooks.ts';
import * as usageEventsLean from './008-usage-events-lean.ts';
import * as linesNumberLookup from './009-lines-number-lookup.ts';
import * as hotUpdates from './010-hot-updates.ts';
import * as linesRatingLookup from './011-lines-rating-lookup.ts';
import * as lineTopUpWindow from './012-line-top-up-window.ts';
import * as lifecycleIndexLazy from './013-lifecycle-index-lazy.ts';
import * as unusedIndexes from './014-unused-indexes.ts';
import * as packagePeriodEnds from './015-package-period-ends.ts';
import * as bonusExpiryExamined from './016-bonus-expiry-examined.ts';
import * as packageJobIndexes from './017-package-job-indexes.ts';
import * as retentionIndexes from './018-retention-indexes.ts';
import * as creditPaymentIndexes from './019-credit-payment-indexes.ts';
import * as usageHistoryIndexes from './020-usage-history-indexes.ts';
import * as transferChains from './021-transfer-chains.ts';
import * as reminders from './022-reminders.ts';
import * as lifecycleIndexOrder from './023-lifecycle-index-order.ts';
import * as sms from './024-sms.ts';
import * as sandboxRefundKeys from './025-sandbox-refund-keys.ts';
import * as transferConfirmations from './026-transfer-confirmations.ts';
import * as sandboxDescription from './027-sandbox-description.ts';
import * as jobScaleIndexes from './028-job-scale-indexes.ts';
import * as jobLeases from './029-job-leases.ts';
import * as pendingRefunds from './030-pending-refunds.ts';
import * as lineBars from './031-line-bars.ts';
import * as lineBarsBackfill from './032-line-bars-backfill.ts';
import * as receiptLinks from './033-receipt-links.ts';
import * as paidRefunds from './034-paid-refunds.ts';
import * as refundEvents from './035-refund-events.ts';
import * as paymentProviderAmounts from './036-payment-provider-amounts.ts';
import * as posTopupLineBefore from './037-pos-topup-line-before.ts';
import * as posTopupLastTopupBefore from './038-pos-topup-last-topup-before.ts';
import * as posTopupsByLine from './039-pos-topups-by-line.ts';
import * as receiptsUndone from './040-receipts-undone.ts';
import * as renewalFailedReason from './041-renewal-failed-reason.ts';

/**
 * Every migration, in order. One set serves SQLite and PostgreSQL. A capability adds its tables
 * in a file of its own (`00N-<capability>.ts`) and one line here.
 */
export const migrations: Record<string, Migration> = {
  '001-core': core,
  '003-lifecycle': lifecycle,
  '002-packages': packages,
  '004-payments': payments,
  '005-aggregators': aggregators,
  '006-agents': agents,
  '007-partner-webhooks': partnerWebhooks,
  '008-usage-events-lean': usageEventsLean,
  '009-lines-number-lookup': linesNumberLookup,
  '010-hot-updates': hotUpdates,
  '011-lines-rating-lookup': linesRatingLookup,
  '012-line-top-up-window': lineTopUpWindow,
  '013-lifecycle-index-lazy': lifecycleIndexLazy,
  '014-unused-indexes': unusedIndexes,
  '015-package-period-ends': packagePeriodEnds,
  '016-bonus-expiry-examined': bonusExpiryExamined,
  '017-package-job-indexes': packageJobIndexes,
  '018-retention-indexes': retentionIndexes,
  '019-credit-payment-indexes': creditPaymentIndexes,
  '020-usage-history-indexes': usageHistoryIndexes,
  '021-transfer-chains': transferChains,
  '022-reminders': reminders,
  '023-lifecycle-index-order': lifecycleIndexOrder,
  '024-sms': sms,
  '025-sandbox-refund-keys': sandboxRefundKeys,
  '026-transfer-confirmations': transferConfirmations,
  '027-sandbox-description': sandboxDescription,
  '028-job-scale-indexes': jobScaleIndexes,
  '029-job-leases': jobLeases,
  '030-pending-refunds': pendingRefunds,
  '031-line-bars': lineBars,
  '032-line-bars-backfill': lineBarsBackfill,
  '033-receipt-links': receiptLinks,
  '034-paid-refunds': paidRefunds,
  '035-refund-events': refundEvents,
  '036-payment-provider-amounts': paymentProviderAmounts,
  '037-pos-topup-line-before': posTopupLineBefore,
  '038-pos-topup-last-topup-before': posTopupLastTopupBefore,
  '039-pos-topups-by-line': posTopupsByLine,
  '040-receipts-undone': receiptsUndone,
  '041-renewal-failed-reason': renewalFailedReason,
};

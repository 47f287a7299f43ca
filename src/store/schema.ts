import type { Generated } from 'kysely';
import type { BonusGrantTable, OfferingTable, OfferingVersionTable, PackagePeriodTable, PackageTable, PromotionTable } from '../packages/packages-tables.ts';
import type { SmsMessageTable, SmsSegmentTable } from '../sms/sms-tables.ts';

/**
 * The tables, as Kysely sees them. Integers are BIGINT on both dialects and come back as bigint
 * (better-sqlite3 with safe integers, pg with an int8 parser), so repositories convert explicitly.
 * Times are ISO-8601 UTC text written by the application from the injected clock.
 */
export interface LedgerAccountTable {
  id: string;
  unit: string;
  kind: string;
  owner_id: string | null;
  flags: bigint;
  debits_posted: bigint;
  credits_posted: bigint;
  debits_pending: bigint;
  credits_pending: bigint;
  expires_at: string | null;
  metadata: string | null;
  created_at: string;
  /** The newest transfer that names this account: the head of its chain (null before its first). */
  last_transfer_id: string | null;
}

export interface LedgerTransferTable {
  id: string;
  debit_account_id: string;
  credit_account_id: string;
  amount: bigint;
  unit: string;
  code: string;
  /** posted | pending | post_pending | void_pending */
  kind: string;
  pending_id: string | null;
  link_group: string;
  metadata: string | null;
  created_at: string;
  /** The debit account's, and the credit account's, transfer before this one: each account's history is a chain. */
  debit_previous_id: string | null;
  credit_previous_id: string | null;
}

export interface LineTable {
  id: string;
  msisdn: string;
  iccid: string | null;
  status: string;
  valid_until: string | null;
  /**
   * What the lifecycle index holds of valid_until: never later than it, null when it is null.
   * Top-ups that only move validity later leave it (indexedValidUntilAfter in src/ledger/batch-state.ts).
   */
  indexed_valid_until: string | null;
  language: string;
  operator: string | null;
  owner_name: string | null;
  daily_topup_date: string | null;
  daily_topup_amount: bigint;
  /** When the line was first and last topped up (null until its first top-up; set by the top-up itself). */
  first_topup_at: string | null;
  last_topup_at: string | null;
  status_changed_at: string;
  /** When an admin suspended (barred) the line: a top-up does not lift a bar (migration 031). */
  barred_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface UserTable {
  id: string;
  login: string;
  password_hash: string;
  role: string;
  display_name: string | null;
  created_at: string;
  disabled_at: string | null;
}

export interface UserLineTable {
  user_id: string;
  line_id: string;
  created_at: string;
}

export interface SessionTable {
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

export interface ApiKeyTable {
  id: string;
  name: string;
  role: string;
  key_hash: string;
  prefix: string;
  source_account_id: string | null;
  created_by: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface IdempotencyKeyTable {
  key: string;
  fingerprint: string;
  status_code: bigint;
  response: string;
  created_at: string;
  expires_at: string | null;
}

export interface CounterTable {
  key: string;
  value: bigint;
}

export interface TopupTable {
  id: string;
  line_id: string;
  msisdn: string;
  amount: bigint;
  currency: string;
  source_account_id: string;
  transfer_id: string;
  receipt_number: string;
  channel: string;
  actor_id: string;
  created_at: string;
}

export interface ReceiptTable {
  number: string;
  year: bigint;
  kind: string;
  reference_id: string;
  line_id: string | null;
  amount: bigint;
  currency: string;
  created_at: string;
}

export interface OutboxTable {
  id: string;
  topic: string;
  payload: string;
  created_at: string;
  available_at: string;
  attempts: bigint;
  processed_at: string | null;
  last_error: string | null;
}

export interface AuditLogTable {
  id: string;
  actor_id: string;
  actor_role: string;
  action: string;
  target: string | null;
  details: string | null;
  created_at: string;
}

export interface RateLimitTable {
  key: string;
  window_started_at: string;
  count: bigint;
}

// --- agents, stores, vouchers (src/agents, src/stores, src/vouchers; migration 006-agents) ---
export interface AgentTable { id: string; name: string; commission_basis_points: bigint; active: bigint; created_at: string }
export interface AgentUserTable { user_id: string; agent_id: string; created_at: string }
export interface AgentDepositTable { id: string; agent_id: string; amount: bigint; reference: string; transfer_id: string; actor_id: string; created_at: string }
export interface AgentTopupTable {
  topup_id: string; agent_id: string; line_id: string; msisdn: string; amount: bigint; commission: bigint; receipt_number: string; actor_id: string; created_at: string;
  /** What the top-up changed on its line, for its reversal to put back (037); null for top-ups made before. */
  line_status_before: string | null; line_valid_until_before: string | null; line_valid_until_after: string | null; line_first_topup_at_before: string | null;
  /** The line's last top-up before it (038); null for top-ups made before, and before the line's first top-up. */
  line_last_topup_at_before: string | null;
}
export interface AgentTopupReversalTable { topup_id: string; agent_id: string; amount: bigint; commission: bigint; actor_id: string; created_at: string }
export interface StoreTable { id: string; name: string; active: bigint; created_at: string }
export interface StoreClerkTable { user_id: string; store_id: string; created_at: string }
export interface IdentificationTable { id: string; store_id: string; clerk_id: string; document_type: string; number_hash: string; number_last4: string; created_at: string }
export interface StoreTopupTable { topup_id: string; store_id: string; tender: string; identification_id: string; amount: bigint; actor_id: string; created_at: string }
export interface VoucherBatchTable { id: string; face_value: bigint; currency: string; count: bigint; expires_at: string; dealer: string | null; sold_at: string | null; created_by: string; created_at: string }
export interface VoucherTable { id: string; batch_id: string; serial: string; pin_hash: string; face_value: bigint; currency: string; state: string; expires_at: string; created_at: string }
export interface VoucherRedemptionTable { voucher_id: string; line_id: string; topup_id: string; actor_id: string; created_at: string }
// --- end agents, stores, vouchers ---

// payments (004-payments)
export interface PaymentTable {
  id: string; provider: string; provider_reference: string | null; purpose: string; offering_code: string | null;
  line_id: string; msisdn: string; amount: bigint; currency: string; status: string; pending_transfer_id: string;
  topup_id: string | null; package_id: string | null; purchase_error: string | null; receipt_number: string | null; failure_reason: string | null; redirect_url: string | null;
  qr_content: string | null; language: string; payer_ip: string | null; payer_fingerprint: string | null; card_last4: string | null;
  refunded_amount: bigint; created_by: string | null; expires_at: string; created_at: string; updated_at: string; settled_at: string | null;
  /** What the provider charges in its own currency (minor units), when not the payment's (036-payment-provider-amounts). */
  provider_amount: bigint | null; provider_currency: string | null;
}
export interface PaymentEventTable {
  id: string; payment_id: string; from_status: string | null; to_status: string; source: string; raw: string | null; created_at: string;
}
export interface WebhookInboxTable {
  id: string; provider: string; event_id: string; provider_reference: string; payment_id: string | null; event_status: string;
  amount: bigint | null; currency: string | null; failure_reason: string | null; status: string; raw_body: string; attempts: bigint; next_attempt_at: string;
  last_error: string | null; received_at: string; processed_at: string | null;
  /** A refund notification's refund, as the provider names it (migration 035); null for a payment's event. */
  provider_refund_id: string | null;
}
export interface PaymentRefundTable {
  id: string; payment_id: string; amount: bigint; currency: string; status: string; pending_transfer_id: string;
  provider_refund_id: string | null; receipt_number: string | null; failure_reason: string | null; actor_id: string;
  created_at: string; updated_at: string;
}
export interface SandboxSessionTable {
  id: string; payment_id: string; amount: bigint; currency: string; status: string; failure_reason: string | null;
  card_last4: string | null; refunded_amount: bigint; return_url: string; language: string; resolve_at: string | null;
  created_at: string; updated_at: string;
  /** What is paid for, as the payment gave it (migration 027; null before). */
  description: string | null;
}
/** A refund the sandbox provider made, by the idempotency key it came with (migration 025). */
export interface SandboxRefundTable { idempotency_key: string; session_id: string; amount: bigint; refund_id: string; status: string; created_at: string }

// aggregators (src/aggregators; migration 005-aggregators)
export interface AggregatorTable {
  code: string; name: string; password_hash: string | null; ip_allowlist: string; clearing_account_id: string; active: bigint; created_at: string;
}
export interface AggregatorPaymentTable {
  id: string; aggregator: string; txn_id: string; txn_date: string | null; account: string; msisdn: string | null; amount: bigint;
  prv_txn: string | null; topup_id: string | null; result: bigint; created_at: string;
}

// line lifecycle, credit, transfers, usage (src/lifecycle, src/credit, src/transfers, src/usage)
export interface LineEventTable { id: string; line_id: string; from_status: string; to_status: string; reason: string; actor_id: string; due_at: string | null; created_at: string }
/** A reminder sent ahead of an end, once per key (src/reminders; migration 022). */
export interface ReminderTable { key: string; line_id: string; topic: string; remind_for: string; created_at: string }
/** A subscriber's transfer waiting for the code sent to the sender (migration 026). */
export interface TransferConfirmationTable {
  id: string; actor_id: string; idempotency_key: string; fingerprint: string; source_line_id: string; target_line_id: string; amount: bigint;
  code_hash: string; attempts: bigint; status: string; transfer_id: string | null; expires_at: string; created_at: string;
}
export interface NumberQuarantineTable { id: string; msisdn: string; line_id: string; quarantined_until: string; created_at: string }
export interface CreditTable {
  id: string; line_id: string; amount: bigint; fee: bigint; granted_at: string; due_at: string; status: string; closed_at: string | null; actor_id: string;
  /** When the collection job next looks at an open credit or a debt (migration 019; the epoch when inserted without it). */
  next_check_at: Generated<string>;
}
export interface BalanceTransferTable { id: string; source_line_id: string; target_line_id: string; amount: bigint; fee: bigint; actor_id: string; created_at: string }
export interface UsageEventTable { id: string; line_id: string; service: string; units: bigint; at: string; consumed: bigint; charged: bigint; uncovered: bigint; recorded_at: string }

/** Partner webhooks (src/partners). */
export interface WebhookEndpointTable {
  id: string;
  api_key_id: string;
  url: string;
  secret: string;
  topics: string;
  created_at: string;
  disabled_at: string | null;
}

export interface WebhookDeliveryTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  topic: string;
  payload: string;
  status: string;
  attempts: bigint;
  next_attempt_at: string;
  last_status_code: bigint | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface WebhookCursorTable {
  name: string;
  position: string;
}

/** Which process runs a scheduled job (src/jobs/job-leases.ts; migration 029-job-leases). */
export interface JobLeaseTable {
  job: string;
  holder: string;
  held_until: string;
  /** When the holder took it (renewals keep it): how long one process has run the job. */
  taken_at: string;
}

export interface Database {
  ledger_accounts: LedgerAccountTable;
  ledger_transfers: LedgerTransferTable;
  lines: LineTable;
  users: UserTable;
  user_lines: UserLineTable;
  sessions: SessionTable;
  api_keys: ApiKeyTable;
  idempotency_keys: IdempotencyKeyTable;
  counters: CounterTable;
  topups: TopupTable;
  receipts: ReceiptTable;
  outbox: OutboxTable;
  audit_log: AuditLogTable;
  rate_limits: RateLimitTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_cursors: WebhookCursorTable;
  job_leases: JobLeaseTable;
  line_events: LineEventTable;
  reminders: ReminderTable;
  number_quarantine: NumberQuarantineTable;
  credits: CreditTable;
  balance_transfers: BalanceTransferTable;
  usage_events: UsageEventTable;
  // SMS to subscribers (src/sms; migration 024-sms)
  sms_messages: SmsMessageTable; sms_segments: SmsSegmentTable;
  // packages (src/catalog, src/packages, src/promotions; migration 002-packages)
  offerings: OfferingTable; offering_versions: OfferingVersionTable; packages: PackageTable; package_periods: PackagePeriodTable; promotions: PromotionTable; bonus_grants: BonusGrantTable;
  aggregators: AggregatorTable;
  aggregator_payments: AggregatorPaymentTable;
  payments: PaymentTable;
  payment_events: PaymentEventTable;
  webhook_inbox: WebhookInboxTable;
  payment_refunds: PaymentRefundTable;
  sandbox_sessions: SandboxSessionTable;
  sandbox_refunds: SandboxRefundTable;
  transfer_confirmations: TransferConfirmationTable;
  // agents, stores, vouchers
  agents: AgentTable;
  agent_users: AgentUserTable;
  agent_deposits: AgentDepositTable;
  agent_topups: AgentTopupTable;
  agent_topup_reversals: AgentTopupReversalTable;
  stores: StoreTable;
  store_clerks: StoreClerkTable;
  identifications: IdentificationTable;
  store_topups: StoreTopupTable;
  voucher_batches: VoucherBatchTable;
  vouchers: VoucherTable;
  voucher_redemptions: VoucherRedemptionTable;
}

// Generated is re-exported for capability tables added by later migrations.
export type { Generated };

/** Tables of the SMS worker (migration 024-sms), added to `Database` in store/schema.ts. */
export interface SmsMessageTable {
  id: string; event_id: string; line_id: string; msisdn: string; topic: string; language: string; text: string;
  /** queued, sent, delivered, failed, undeliverable, or canceled (a reminder that no longer held when due). */
  status: string;
  segments: bigint; attempts: bigint; next_attempt_at: string;
  /** Until when a process that claimed the row is sending it: no other process takes it before. */
  lease_until: string | null;
  last_error: string | null; created_at: string; sent_at: string | null; delivered_at: string | null;
}

export interface SmsSegmentTable {
  message_id: string;
  /** 1 for the first segment, as the concatenation header counts. */
  segment: bigint;
  smsc_message_id: string;
  /** sent, delivered or undeliverable. */
  status: string;
  sent_at: string; receipt_at: string | null;
}

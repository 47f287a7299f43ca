/** Tables of the packages capability (migration 002-packages), added to `Database` in store/schema.ts. */
export interface OfferingTable {
  id: string; code: string; kind: string; current_version: bigint; names: string; descriptions: string; features: string;
  available_from: string | null; available_until: string | null; auto_renew_allowed: bigint; stacks: bigint; created_at: string; updated_at: string;
}

export interface OfferingVersionTable {
  id: string; offering_id: string; version: bigint; price: bigint; currency: string; validity_days: bigint; fee_period: string | null;
  data_bytes: bigint; voice_seconds: bigint; sms_count: bigint; rate_per_mb: bigint | null; rate_per_minute: bigint | null;
  rate_per_sms: bigint | null; created_at: string;
}

export interface PackageTable {
  id: string; line_id: string; offering_id: string; offering_code: string; kind: string; offering_version_id: string;
  price_paid: bigint; currency: string; starts_at: string; expires_at: string; auto_renew: bigint; stacks: bigint; features: string;
  receipt_number: string; renewal_failed_period: bigint | null; created_at: string;
  /** When the renewal job is next to look at this package, which lapsed for want of money (null when nothing waits; migration 017). */
  renewal_retry_at?: string | null;
  /** The reason of the latest renewal failure told for `renewal_failed_period` (null before migration 041). */
  renewal_failed_reason?: string | null;
}

export interface PackagePeriodTable {
  id: string; package_id: string; line_id: string; period: bigint; reason: string; offering_version_id: string; list_price: bigint;
  discount: bigint; price_paid: bigint; promotion_id: string | null; starts_at: string; expires_at: string; bucket_ids: string;
  receipt_number: string | null; created_at: string;
  /** When the expiry job found this period's buckets empty for good, after they expired (null until then; migration 017). */
  buckets_expired_at?: string | null;
  /** When the renewal job handled this period's end (null until then; migration 017). */
  renewal_examined_at?: string | null;
}

export interface PromotionTable {
  id: string; code: string | null; offering_codes: string | null; discount_kind: string; discount_value: bigint;
  starts_at: string; ends_at: string; uses_max: bigint | null; uses_per_line_max: bigint | null; created_at: string;
}

export interface BonusGrantTable {
  id: string; line_id: string; topup_id: string; amount: bigint; expires_at: string; created_at: string;
  /** When the bonus expiry job looked at this grant after it expired (null until then). */
  expiry_examined_at?: string | null;
}

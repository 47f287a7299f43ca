/**
 * The closed list of error codes Tolem answers with, and the one table that maps them to HTTP.
 * Documented in docs/errors.md; tests assert codes, never message text.
 */
export const ERROR_CODES = {
  // request shape
  validation_failed: { status: 400, message: 'The request does not match the schema, or has a path parameter over 100 characters, a malformed URL, a U+0000 character, malformed Unicode or a JSON name given twice in one object.' },
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  request_malformed: { status: 400, message: 'The HTTP request itself is malformed (a control character in a header, a bad method, path or framing, no Host header in HTTP/1.1, two Host headers or an invalid one).' },
  request_timeout: { status: 408, message: 'The request did not arrive in time.' },
  expectation_failed: { status: 417, message: 'The Expect header asks for something other than 100-continue.' },
  headers_too_large: { status: 431, message: 'The request headers are too large.' },
  body_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Unsupported content type.' },
  route_not_found: { status: 404, message: 'No such route.' },
  method_not_allowed: { status: 405, message: 'Method not allowed.' },
  // identity
  unauthenticated: { status: 401, message: 'Missing or invalid credentials.' },
  invalid_credentials: { status: 401, message: 'Wrong login or password.' },
  forbidden: { status: 403, message: 'Not allowed for this role or resource.' },
  cross_site_request: { status: 403, message: 'A session cookie is not accepted on a change requested from another site; send the Authorization header.' },
  rate_limited: { status: 429, message: 'Too many attempts; try again later.' },
  user_exists: { status: 409, message: 'A user with this login already exists.' },
  user_not_found: { status: 404, message: 'No such user.' },
  api_key_not_found: { status: 404, message: 'No such API key.' },
  password_too_weak: { status: 422, message: 'The password is too short.' },
  // idempotency
  idempotency_key_missing: { status: 400, message: 'This request needs an Idempotency-Key header.' },
  idempotency_key_invalid: { status: 400, message: 'The Idempotency-Key header is malformed.' },
  idempotency_key_reused: { status: 409, message: 'This Idempotency-Key was used with a different request.' },
  // lines
  msisdn_invalid: { status: 422, message: 'Not a valid Kazakhstan mobile number.' },
  iccid_invalid: { status: 422, message: 'Not a valid ICCID.' },
  line_not_found: { status: 404, message: 'No such line.' },
  line_exists: { status: 409, message: 'A line with this number or ICCID already exists.' },
  line_terminated: { status: 409, message: 'The line is terminated.' },
  // money
  currency_unsupported: { status: 422, message: 'Unsupported currency.' },
  amount_invalid: { status: 422, message: 'The amount must be a positive integer in minor units.' },
  amount_below_minimum: { status: 422, message: 'The amount is below the minimum.' },
  amount_above_maximum: { status: 422, message: 'The amount is above the maximum.' },
  daily_limit_exceeded: { status: 422, message: 'The daily limit for this line would be exceeded.' },
  balance_insufficient: { status: 422, message: 'The balance is insufficient.' },
  // ledger
  account_not_found: { status: 404, message: 'No such ledger account.' },
  source_account_invalid: { status: 422, message: 'The source account cannot fund top-ups.' },
  unit_mismatch: { status: 422, message: 'The accounts hold different units.' },
  pending_transfer_not_found: { status: 404, message: 'No such pending transfer.' },
  pending_transfer_resolved: { status: 409, message: 'The pending transfer was already posted or voided.' },
  exceeds_credits: { status: 422, message: 'The transfer would take an account below zero.' },
  // aggregators (src/aggregators)
  aggregator_not_found: { status: 404, message: 'No such aggregator.' },
  aggregator_exists: { status: 409, message: 'An aggregator with this code already exists.' },
  // agents, stores, vouchers (src/agents, src/stores, src/vouchers)
  agent_not_found: { status: 404, message: 'No such agent.' },
  agent_inactive: { status: 409, message: 'The agent is not active.' },
  agent_not_linked: { status: 403, message: 'This login or key is not linked to an agent.' },
  agent_topup_not_found: { status: 404, message: 'No such top-up of this agent.' },
  reversal_window_passed: { status: 409, message: 'The time to reverse this top-up has passed.' },
  topup_already_spent: { status: 409, message: 'The line has spent money since this top-up, or took a promised payment on it: it can no longer be reversed.' },
  pos_receipt_not_found: { status: 404, message: 'No such receipt of this agent.' },
  store_not_found: { status: 404, message: 'No such store.' },
  store_inactive: { status: 409, message: 'The store is not active.' },
  clerk_not_linked: { status: 403, message: 'This login or key is not linked to a store.' },
  identification_not_found: { status: 404, message: 'No such identification at this store.' },
  identification_expired: { status: 409, message: 'The identification is too old; identify the customer again.' },
  document_number_invalid: { status: 422, message: 'The document number is not valid.' },
  voucher_batch_not_found: { status: 404, message: 'No such voucher batch.' },
  voucher_batch_not_sellable: { status: 409, message: 'The batch was already sold or has no sellable vouchers.' },
  voucher_not_found: { status: 404, message: 'No such voucher.' },
  voucher_pin_invalid: { status: 422, message: 'The voucher PIN is wrong.' },
  voucher_already_redeemed: { status: 409, message: 'The voucher was already redeemed.' },
  voucher_expired: { status: 410, message: 'The voucher has expired.' },
  voucher_not_active: { status: 409, message: 'The voucher is not active (not sold or blocked).' },
  ussd_input_invalid: { status: 422, message: 'The USSD string is not understood.' },
  // receipts (src/receipts)
  receipt_not_found: { status: 404, message: 'No such receipt.' },
  receipt_fonts_missing: { status: 503, message: 'Receipt PDFs need fonts this server lacks (apt-get install fonts-noto-core fonts-noto-cjk); the 80 mm slip still works.' },
  // payments (src/payments, docs/payments.md)
  payment_not_found: { status: 404, message: 'No such payment.' },
  payment_provider_unknown: { status: 422, message: 'This payment provider is not enabled.' },
  payment_purpose_invalid: { status: 422, message: 'Unsupported payment purpose or missing offering.' },
  payment_state_invalid: { status: 409, message: 'The payment is not in a state that allows this.' },
  payment_velocity_exceeded: { status: 429, message: 'Too many payments; try again later or use another method.' },
  payment_provider_failed: { status: 502, message: 'The payment provider refused or did not answer; try another method.' },
  refund_exceeds_payment: { status: 422, message: 'The refunds would exceed the amount paid.' },
  refund_exceeds_unspent: { status: 422, message: 'The refund exceeds the unspent part of the top-up.' },
  webhook_signature_invalid: { status: 400, message: 'The webhook signature is missing or wrong.' },
  webhook_timestamp_stale: { status: 400, message: 'The webhook timestamp is too old or in the future.' },
  webhook_payload_invalid: { status: 400, message: 'The webhook body is not a valid event.' },
  settlement_file_invalid: { status: 422, message: 'The settlement file cannot be read.' },
  // packages, catalog, promotions (src/catalog, src/packages, src/promotions)
  offering_not_found: { status: 404, message: 'No such offering.' },
  offering_unavailable: { status: 422, message: 'The offering is not on sale now.' },
  offering_exists: { status: 409, message: 'An offering with this code already exists.' },
  offering_invalid: { status: 422, message: 'The offering definition is invalid.' },
  package_not_found: { status: 404, message: 'No such package on this line.' },
  package_already_active: { status: 409, message: 'A package of this kind is active and does not stack; renew it instead.' },
  package_renewal_conflict: { status: 409, message: 'The package changed while renewing; retry.' },
  auto_renew_not_allowed: { status: 422, message: 'This offering cannot renew automatically.' },
  promo_code_invalid: { status: 422, message: 'The promo code is unknown, expired or not valid for this offering.' },
  promo_code_exhausted: { status: 422, message: 'The promo code has been used up.' },
  promo_code_line_limit: { status: 422, message: 'This line has used the promo code as often as allowed.' },
  promotion_exists: { status: 409, message: 'A promotion with this code already exists.' },
  promotion_invalid: { status: 422, message: 'The promotion definition is invalid.' },
  price_changed: { status: 409, message: 'The price is no longer the one quoted; quote again.' },
  // line lifecycle, promised payment, balance transfer, usage (docs/lifecycle-and-usage.md)
  line_status_invalid: { status: 409, message: 'The line is not in a status that allows this.' },
  line_validity_expired: { status: 409, message: 'The line\'s validity has run out; a top-up reactivates it.' },
  lifecycle_not_due: { status: 409, message: 'The line changed since the lifecycle step was planned.' },
  number_quarantined: { status: 409, message: 'The number is quarantined after termination.' },
  credit_not_eligible: { status: 422, message: 'The line may not take a promised payment now.' },
  credit_open: { status: 409, message: 'A promised payment or its debt is still open.' },
  credit_not_open: { status: 409, message: 'No promised payment is open.' },
  transfer_same_line: { status: 422, message: 'A balance transfer needs two different lines.' },
  transfer_daily_limit_exceeded: { status: 422, message: 'The daily transfer limit of the sender would be exceeded.' },
  transfer_confirmation_not_found: { status: 404, message: 'No such transfer confirmation for this login.' },
  transfer_confirmation_expired: { status: 410, message: 'The confirmation code has expired or was entered wrongly too often; send the transfer again.' },
  transfer_confirmation_code_invalid: { status: 422, message: 'The confirmation code is not the one sent.' },
  // per usage event (POST /v1/usage answers 200 with these as an event's code, never as the answer)
  event_id_reused: { status: 409, message: 'This event id was recorded for another line, service, units or time; event ids must be unique across the network.' },
  // internal: a usage request's buckets changed before its command ran; it is planned again, never answered
  usage_plan_stale: { status: 409, message: 'The usage request read buckets that changed before it was rated; it is planned again.' },
  event_in_future: { status: 422, message: 'The event is dated further ahead of the server clock than USAGE_FUTURE_SKEW_SECONDS allows.' },
  event_before_line: { status: 422, message: 'The event is dated before the line that holds this number now was created: it is not this line\'s (a number reused after another line gave it up).' },
  // partner webhooks (src/partners)
  webhook_url_invalid: { status: 422, message: 'The webhook URL must be an absolute https URL of a public address.' },
  webhook_endpoint_not_found: { status: 404, message: 'No such webhook endpoint.' },
  webhook_endpoint_limit_reached: { status: 422, message: 'This key has as many webhook endpoints as allowed; delete one first.' },
  // anything else is a bug
  internal_error: { status: 500, message: 'Internal error.' },
  unavailable: { status: 503, message: 'Temporarily unavailable; retry.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

export function defaultMessageOf(code: ErrorCode): string {
  return ERROR_CODES[code].message;
}

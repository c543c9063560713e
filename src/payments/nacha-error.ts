/** Why the NACHA builder refused its input. Stable strings: callers map them to problem codes. */
export type NachaInputReason =
  | 'invalid_routing_number'
  | 'invalid_amount'
  | 'amount_too_large'
  | 'invalid_field'
  | 'invalid_trace_number'
  | 'duplicate_trace_number'
  | 'invalid_date'
  | 'totals_overflow';

/** The builder's input is unusable; `reason` says which rule, the message says where. */
export class NachaInputError extends Error {
  constructor(
    readonly reason: NachaInputReason,
    message: string,
  ) {
    super(message);
    this.name = 'NachaInputError';
  }
}

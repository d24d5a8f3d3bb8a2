/**
 * Close status codes (RFC 6455 §7.4 and the IANA "WebSocket Close Code Number Registry").
 */

/** Named close codes. 1005, 1006 and 1015 are reserved for reporting and never appear on the wire. */
export const CloseCode = {
  NormalClosure: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  NoStatusReceived: 1005,
  AbnormalClosure: 1006,
  InvalidPayloadData: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  BadGateway: 1014,
  TlsHandshake: 1015,
} as const;

/** One of the named close codes. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * Whether `code` may be carried by a Close frame: 1000-1003, 1007-1014 (registered) and
 * 3000-4999 (libraries, frameworks and applications). 0-999, 1004-1006, 1015 and 1016-2999 may not.
 */
export function isValidWireCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  if (code >= 1000 && code <= 1003) return true;
  return code >= 1007 && code <= 1014;
}

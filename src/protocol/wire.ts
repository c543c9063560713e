/** A module's answer to a client command as it travels (money as strings of mills); the client checks its response MAC. */
export interface ResponseWire {
  readonly op: string;
  readonly meterId: string;
  readonly requestMac: string;
  readonly status: string;
  readonly arMills: string;
  readonly drMills: string;
  readonly controlTotalMills: string;
  readonly nextChallenge: string;
  readonly result: Record<string, string>;
}

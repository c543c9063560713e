/**
 * A parsed JSON answer (an HTTP body, a CLI's `--json` line, a report) as the tests read it. Each test asserts
 * the fields it reads, so a precise type per answer would only restate the assertions. This is the tests' one
 * explicit `any`, named and kept here so that no other file needs one.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type LooseJson = any;

export { GENESIS_HASH, encodeHeader, decodeHeader, recordHash, bodyKey, sealBody, openBody, type LogHeader, type LogRecord } from './record.js';
export { headMessage, signHead, headSignatureValid, type ChainHead, type SignedHead } from './head.js';
export { chainRecords, type RecordDraft, type ChainedRecord, type ChainPosition } from './chain.js';
export { encodeSegment, decodeSegment, segmentKey, SEGMENT_KEY, SEGMENT_FORMAT, SegmentFormatError, type Segment, type SegmentHead, type SegmentRecord } from './segment.js';
export { cutNextSegment, segmentBytes, segmentOf, type CutPolicy } from './segment-cutter.js';
export { Shipper, putOnce, ShippedLogConflict, AUDIT_POSITION, SHIPPED_CHANNEL, type ShipperOptions, type PassReport } from './shipper.js';
export { checkContinuity, type ContinuityBreak, type ChangeRef } from './continuity.js';
export { verifyShippedLog } from './verify-log.js';
export { parseTarget, type ShipTarget } from './targets/index.js';

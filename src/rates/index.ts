export { RATE_TABLE_FORMAT, TIERS, type RateClass, type RateTable, type Tier, type WeightStep, type ZonePrices } from './table.js';
export { RateDataError } from './rate-data-error.js';
export { parseRateTable, RATE_TABLE_ID, CLASS_CODE } from './parse-table.js';
export { ZONES_FORMAT, ZONE_BANDS_MILES, distanceMiles, parseZoneData, zoneForMiles, zoneOf, type Zone, type ZoneData } from './zones.js';
export { dimWeightTenthOz, priceOf, type Price, type RateRequest } from './price.js';
export { bundleSha256, canonicalJson, parseRateBundle, type RateBundle } from './bundle.js';
export { RateBook, type Unpriced } from './book.js';

export { MeterClient, type Balance, type PrintRequest, type PrintedItem } from './meter-client.js';
export { verifyItem, itemJson, type Verdict } from '../indicium/index.js';
export { ApiError, callApi } from './http.js';
export { clientHome, ProfileError } from './profile.js';

export { MeterClient, type Balance, type PrintRequest, type PrintedItem } from './meter-client.js';
export { verifyItem, type Verdict } from './verify.js';
export { ApiError, callApi } from './http.js';
export { clientHome, ProfileError } from './profile.js';

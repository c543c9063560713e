/** A 1-mill First-Class letter from 90807 to 10001, dated today: what every benchmark prints. */
export const printParams = () => ({
  amountMills: '1',
  originZip: '90807',
  destination: '10001',
  date: new Date().toISOString().slice(0, 10),
  rateCategory: 'FCM-LETTER',
  weightTenthOz: '10',
});

// USPS Publication 28, Appendix B "Two-Letter State and Possession Abbreviations"
// (https://pe.usps.com/text/pub28/28apb.htm), with the three military "states" of section 225.
const APPENDIX_B = `
AL ALABAMA|AK ALASKA|AS AMERICAN SAMOA|AZ ARIZONA|AR ARKANSAS|CA CALIFORNIA|CO COLORADO|CT CONNECTICUT
DE DELAWARE|DC DISTRICT OF COLUMBIA|FM FEDERATED STATES OF MICRONESIA|FL FLORIDA|GA GEORGIA|GU GUAM|HI HAWAII
ID IDAHO|IL ILLINOIS|IN INDIANA|IA IOWA|KS KANSAS|KY KENTUCKY|LA LOUISIANA|ME MAINE|MH MARSHALL ISLANDS
MD MARYLAND|MA MASSACHUSETTS|MI MICHIGAN|MN MINNESOTA|MS MISSISSIPPI|MO MISSOURI|MT MONTANA|NE NEBRASKA
NV NEVADA|NH NEW HAMPSHIRE|NJ NEW JERSEY|NM NEW MEXICO|NY NEW YORK|NC NORTH CAROLINA|ND NORTH DAKOTA
MP NORTHERN MARIANA ISLANDS|OH OHIO|OK OKLAHOMA|OR OREGON|PW PALAU|PA PENNSYLVANIA|PR PUERTO RICO
RI RHODE ISLAND|SC SOUTH CAROLINA|SD SOUTH DAKOTA|TN TENNESSEE|TX TEXAS|UT UTAH|VT VERMONT|VI VIRGIN ISLANDS
VA VIRGINIA|WA WASHINGTON|WV WEST VIRGINIA|WI WISCONSIN|WY WYOMING|AA ARMED FORCES AMERICAS
AE ARMED FORCES EUROPE|AP ARMED FORCES PACIFIC`;

const ROWS = APPENDIX_B.split(/[|\n]/)
  .map((row) => row.trim())
  .filter(Boolean)
  .map((row) => [row.slice(0, 2), row.slice(3)] as const);

const BY_CODE: ReadonlySet<string> = new Set(ROWS.map(([code]) => code));
const BY_NAME: ReadonlyMap<string, string> = new Map(ROWS.map(([code, name]) => [name, code]));

/** Most words in a state's full name ("FEDERATED STATES OF MICRONESIA"). */
export const STATE_NAME_MAX_WORDS = 4;

/** The two-letter code for a code or a full name in standardized words ("NEW YORK" → NY), or undefined. */
export function stateCode(text: string): string | undefined {
  if (BY_CODE.has(text)) return text;
  return BY_NAME.get(text);
}

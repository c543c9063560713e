// What a label shows for a mail class: the service banner, and the IMpb Service Type Code (STC).
// One table, keyed by the class code a rated item carries in `rateCategory` (src/rates, data/rates).

export interface MailClassLabel {
  /** The service banner printed across the 4x6 label (USPS Parcel Labeling Guide 2.2.2). */
  readonly banner: string;
  /**
   * The 3-digit IMpb Service Type Code for the class with USPS Tracking and no other extra service, or
   * null when we could not confirm it: such a class is printed with its banner but without an IMpb
   * (a wrong STC fails USPS's IMpb barcode-quality check, so none is better than a guessed one).
   */
  readonly stc: string | null;
}

/*
 * STC sources. The authoritative list is USPS's "IMpb Service Type Codes" (postalpro.usps.com/impb-stcs,
 * referenced by Publication 199); it could not be read here. What could be confirmed:
 * - 055 Priority Mail and 701 Priority Mail Express: USPS's published sample tracking numbers
 *   "9205 5000 0000 0000 0000 00" (Priority Mail) and "9270 1000 0000 0000 0000 00" (Priority Mail
 *   Express), i.e. channel AI 92 then STC 055 / 701, as reproduced on parceltracking.info,
 *   geekzowns.com and blog.route4me.com ("what does a USPS tracking number look like"); Endicia's
 *   "New USPS tracking barcodes" describes the same layout (AI, 3-digit STC, MID, serial, check digit).
 * - Flat-rate Priority Mail (PM-FR*) and Priority Mail Express (PME-*) containers take the class's STC:
 *   the STC encodes class and extra services, not the container (Endicia, ibid.). UNCONFIRMED against
 *   the STC list itself.
 * - USPS Ground Advantage (GA) and Media Mail (MM): UNCONFIRMED, left null. (The GA codes date from
 *   July 9, 2023: DMM Advisory of June 28, 2023.)
 * - First-Class Mail letters and flats (FCM-*) are not packages: they carry the Intelligent Mail
 *   barcode (IMb, Publication 197), never an IMpb, so null by design.
 */
const CLASSES: Readonly<Record<string, MailClassLabel>> = {
  PM: { banner: 'PRIORITY MAIL', stc: '055' },
  PME: { banner: 'PRIORITY MAIL EXPRESS', stc: '701' },
  GA: { banner: 'USPS GROUND ADVANTAGE', stc: null },
  MM: { banner: 'MEDIA MAIL', stc: null },
  FCM: { banner: 'FIRST-CLASS MAIL', stc: null },
};

/**
 * The label facts of a class code: `PM`, `PME`, `GA`, `MM`, and the variants named `<class>-<container>`
 * (`PM-FRE`, `PM-FRB-M`, `PME-FRE`, `FCM-LETTER`, `FCM-FLAT`). Undefined for a code we do not know.
 */
export function mailClassLabel(rateCategory: string): MailClassLabel | undefined {
  if (Object.hasOwn(CLASSES, rateCategory)) return CLASSES[rateCategory];
  const base = rateCategory.split('-')[0]!;
  return Object.hasOwn(CLASSES, base) ? CLASSES[base] : undefined;
}

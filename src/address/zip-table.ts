import { cityKey } from './city.js';

/** One ZIP Code of the dataset: its place name and state as the dataset writes them. */
export interface ZipPlace {
  readonly zip5: string;
  readonly city: string;
  readonly state: string;
}

/**
 * The ZIP dataset the matcher checks against (a port: the service gives it the `zipcodes` package's
 * table, unit tests a few rows of their own). Every method is a lookup in memory.
 */
export interface ZipTable {
  /** Where the dataset comes from, named in every answer ("zipcodes@8.0.0"). */
  readonly source: string;
  place(zip5: string): ZipPlace | undefined;
  /** The ZIP Codes of a city (by `cityKey`) in a state, in ZIP order. */
  zipsOf(cityKeyText: string, state: string): readonly ZipPlace[];
  /** The distinct city keys of a state, for a misspelt city. */
  cityKeys(state: string): readonly string[];
}

/** A ZipTable over rows in memory, indexed once. */
export class ZipIndex implements ZipTable {
  private readonly byZip = new Map<string, ZipPlace>();
  private readonly byCity = new Map<string, ZipPlace[]>();
  private readonly citiesByState = new Map<string, string[]>();

  constructor(
    readonly source: string,
    rows: Iterable<ZipPlace>,
  ) {
    for (const row of rows) this.add(row);
    for (const list of this.byCity.values()) list.sort((a, b) => a.zip5.localeCompare(b.zip5));
    for (const list of this.citiesByState.values()) list.sort();
  }

  private add(row: ZipPlace): void {
    const place = { zip5: row.zip5, city: row.city.toUpperCase(), state: row.state.toUpperCase() };
    this.byZip.set(place.zip5, place);
    const key = cityKey(place.city);
    const slot = `${place.state}|${key}`;
    const same = this.byCity.get(slot);
    if (same) same.push(place);
    else {
      this.byCity.set(slot, [place]);
      const cities = this.citiesByState.get(place.state);
      if (cities) cities.push(key);
      else this.citiesByState.set(place.state, [key]);
    }
  }

  place(zip5: string): ZipPlace | undefined {
    return this.byZip.get(zip5);
  }

  zipsOf(key: string, state: string): readonly ZipPlace[] {
    return this.byCity.get(`${state}|${key}`) ?? [];
  }

  cityKeys(state: string): readonly string[] {
    return this.citiesByState.get(state) ?? [];
  }
}

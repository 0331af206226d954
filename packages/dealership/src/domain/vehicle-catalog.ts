/** Vehicle bodies, fuels, colours and lots the inventory is drawn from. */
export const BODIES = ['sedan', 'suv', 'truck', 'minivan', 'coupe', 'hatchback', 'wagon'] as const;
export const FUELS = ['gas', 'hybrid', 'plug-in hybrid', 'electric'] as const;
export const COLOURS = ['white', 'black', 'silver', 'gray', 'blue', 'red', 'green'] as const;
export const FEATURES = ['sunroof', 'leather seats', 'heated seats', 'navigation', 'apple carplay', 'adaptive cruise', 'blind spot monitor', 'backup camera', 'tow package', 'third row', 'awd'] as const;
export const TRIMS = [
  { name: 'Base', factor: 1 },
  { name: 'Sport', factor: 1.08 },
  { name: 'Touring', factor: 1.15 },
  { name: 'Limited', factor: 1.25 },
] as const;

export type Body = (typeof BODIES)[number];
export type Fuel = (typeof FUELS)[number];

export interface ModelSpec {
  readonly make: string;
  readonly model: string;
  readonly body: Body;
  readonly fuels: readonly Fuel[];
  /** New price of the base trim, in dollars. */
  readonly basePrice: number;
  /** Other ways customers write the model name. */
  readonly aliases?: readonly string[];
}

export const MODELS: readonly ModelSpec[] = [
  { make: 'Toyota', model: 'Corolla', body: 'sedan', fuels: ['gas', 'hybrid'], basePrice: 22_500 },
  { make: 'Toyota', model: 'Camry', body: 'sedan', fuels: ['gas', 'hybrid'], basePrice: 27_500 },
  { make: 'Toyota', model: 'RAV4', body: 'suv', fuels: ['gas', 'hybrid', 'plug-in hybrid'], basePrice: 29_800, aliases: ['rav 4', 'rav-4'] },
  { make: 'Toyota', model: 'Highlander', body: 'suv', fuels: ['gas', 'hybrid'], basePrice: 39_500 },
  { make: 'Toyota', model: 'Tacoma', body: 'truck', fuels: ['gas'], basePrice: 32_000 },
  { make: 'Toyota', model: 'Prius', body: 'hatchback', fuels: ['hybrid', 'plug-in hybrid'], basePrice: 28_500 },
  { make: 'Honda', model: 'Civic', body: 'sedan', fuels: ['gas'], basePrice: 24_500 },
  { make: 'Honda', model: 'Accord', body: 'sedan', fuels: ['gas', 'hybrid'], basePrice: 28_900 },
  { make: 'Honda', model: 'CR-V', body: 'suv', fuels: ['gas', 'hybrid'], basePrice: 30_900, aliases: ['crv', 'cr v'] },
  { make: 'Honda', model: 'Pilot', body: 'suv', fuels: ['gas'], basePrice: 40_500 },
  { make: 'Honda', model: 'Odyssey', body: 'minivan', fuels: ['gas'], basePrice: 38_500 },
  { make: 'Ford', model: 'F-150', body: 'truck', fuels: ['gas', 'hybrid'], basePrice: 37_000, aliases: ['f150', 'f 150'] },
  { make: 'Ford', model: 'Maverick', body: 'truck', fuels: ['hybrid', 'gas'], basePrice: 24_500 },
  { make: 'Ford', model: 'Escape', body: 'suv', fuels: ['gas', 'hybrid', 'plug-in hybrid'], basePrice: 28_500 },
  { make: 'Ford', model: 'Mustang', body: 'coupe', fuels: ['gas'], basePrice: 32_500 },
  { make: 'Ford', model: 'Mustang Mach-E', body: 'suv', fuels: ['electric'], basePrice: 42_900, aliases: ['mach-e', 'mach e', 'mache'] },
  { make: 'Tesla', model: 'Model 3', body: 'sedan', fuels: ['electric'], basePrice: 40_000, aliases: ['model3'] },
  { make: 'Tesla', model: 'Model Y', body: 'suv', fuels: ['electric'], basePrice: 45_000, aliases: ['modely'] },
  { make: 'Chevrolet', model: 'Equinox', body: 'suv', fuels: ['gas'], basePrice: 27_500 },
  { make: 'Chevrolet', model: 'Silverado', body: 'truck', fuels: ['gas'], basePrice: 38_000 },
  { make: 'Chevrolet', model: 'Bolt EUV', body: 'suv', fuels: ['electric'], basePrice: 28_500, aliases: ['bolt'] },
  { make: 'Chevrolet', model: 'Malibu', body: 'sedan', fuels: ['gas'], basePrice: 25_000 },
  { make: 'Hyundai', model: 'Elantra', body: 'sedan', fuels: ['gas', 'hybrid'], basePrice: 21_500 },
  { make: 'Hyundai', model: 'Tucson', body: 'suv', fuels: ['gas', 'hybrid', 'plug-in hybrid'], basePrice: 28_900 },
  { make: 'Hyundai', model: 'Ioniq 5', body: 'suv', fuels: ['electric'], basePrice: 42_500, aliases: ['ioniq5', 'ioniq'] },
  { make: 'Kia', model: 'Sportage', body: 'suv', fuels: ['gas', 'hybrid'], basePrice: 28_000 },
  { make: 'Kia', model: 'Telluride', body: 'suv', fuels: ['gas'], basePrice: 37_000 },
  { make: 'Kia', model: 'EV6', body: 'suv', fuels: ['electric'], basePrice: 43_000, aliases: ['ev 6'] },
  { make: 'BMW', model: '3 Series', body: 'sedan', fuels: ['gas', 'plug-in hybrid'], basePrice: 45_500, aliases: ['3-series', '330i'] },
  { make: 'BMW', model: 'X5', body: 'suv', fuels: ['gas', 'plug-in hybrid'], basePrice: 66_000 },
  { make: 'Subaru', model: 'Outback', body: 'wagon', fuels: ['gas'], basePrice: 30_000 },
  { make: 'Subaru', model: 'Forester', body: 'suv', fuels: ['gas'], basePrice: 29_500 },
];

export const MAKES: readonly string[] = [...new Set(MODELS.map((spec) => spec.make))];

export interface Lot {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly phone: string;
}

export const LOTS: readonly Lot[] = [
  { id: 'downtown', name: 'Downtown', address: '120 Main Street', phone: '+1 555 0100' },
  { id: 'northside', name: 'Northside', address: '4800 North Avenue', phone: '+1 555 0140' },
  { id: 'airport', name: 'Airport', address: '9 Terminal Road', phone: '+1 555 0180' },
];

/** The catalog price a trade-in of this make and model is appraised from (make average, then market average). */
export function referencePrice(make: string, model: string): number {
  const lower = (text: string) => text.toLowerCase();
  const exact = MODELS.find((spec) => lower(spec.make) === lower(make) && lower(spec.model) === lower(model));
  if (exact) return exact.basePrice;
  const sameMake = MODELS.filter((spec) => lower(spec.make) === lower(make));
  const pool = sameMake.length ? sameMake : MODELS;
  return Math.round(pool.reduce((sum, spec) => sum + spec.basePrice, 0) / pool.length);
}

/**
 * Pure, deterministic demo-catalog generator (no I/O, no database).
 *
 * Every product is a function of its index alone: the PRNG is re-seeded from
 * the index for each product, so a product never depends on which batch it was
 * generated in. That lets seeding code stream millions of rows in arbitrary
 * chunks (or in parallel) and still produce the exact same catalog.
 */

export interface CategorySeed {
  slug: string;
  name: string;
}

export interface GeneratedProduct {
  sku: string;
  name: string;
  description: string;
  /** Category slug, one of DEMO_CATEGORIES[].slug. */
  category: string;
  price_cents: number;
  stock: number;
}

interface CategoryData extends CategorySeed {
  minCents: number;
  maxCents: number;
  nouns: readonly string[];
  features: readonly string[];
  uses: readonly string[];
  variants: readonly string[];
  // Signature feature+noun pair emitted for a fixed share of the category, so
  // demo searches ("wireless headphones") hit many rows, not rare coincidences.
  hero: readonly [string, string];
  // Precomputed so the hot loop does no string work beyond concatenation.
  nounsLc: readonly string[];
  featuresLc: readonly string[];
}

// One template literal per category keeps the word lists dense and immune to
// formatter reflow. Lines: `slug|Name|minDollars|maxDollars; variants`, nouns,
// features, uses. The '*'-marked feature and noun form the category's hero.
const CATEGORY_DATA: readonly string[] = [
  `audio|Audio|15|400; Gen 2|Pro|Mini|Max
   *Headphones|Earbuds|Bluetooth Speaker|Soundbar|Turntable|Headphone Amplifier|Studio Monitors|Portable Radio|Subwoofer|Over-Ear Headphones|Smart Speaker
   *Wireless|Noise-Cancelling|Bluetooth|Hi-Fi|Waterproof|Studio|Bass-Boost|Compact
   commuting|home listening|workouts|podcasting|long flights|parties`,
  `kitchen|Kitchen|8|300; 12-inch|10-inch|8-inch|Set of 3|5-Quart
   *Skillet|Saucepan|Chef Knife|Dutch Oven|Cutting Board|Stand Mixer|Blender|Kettle|Wok|Baking Sheet|Coffee Grinder|Stockpot
   *Cast Iron|Copper|Stainless Steel|Non-Stick|Enameled|Carbon Steel|Ceramic|Bamboo
   weeknight dinners|weekend baking|meal prep|searing steaks|family gatherings`,
  `outdoor|Outdoor|10|600; 2-Person|4-Person|35L|55L|XL
   *Tent|Sleeping Bag|Backpack|Camping Stove|Headlamp|Trekking Poles|Hammock|Cooler|Water Filter|Camp Chair|Lantern
   *Ultralight|Waterproof|Insulated|Rechargeable|Packable|All-Season|Rugged
   weekend camping|thru-hiking|backcountry trips|festival camping|car camping`,
  `toys|Toys|5|150; 100 Pieces|500 Pieces|Ages 3+|Ages 8+|Deluxe
   Building Blocks|Puzzle|Plush Bear|Race Car Set|Dollhouse|*Train Set|Board Game|Kite|Art Kit|Robot Kit|Marble Run
   *Wooden|Magnetic|Interactive|Glow-in-the-Dark|Educational|Remote-Control|Eco-Friendly
   rainy afternoons|family game night|STEM learning|birthday gifts|toddler play`,
  `books|Books|5|40; First Edition|2nd Edition|Box Set|Vol. 1|Vol. 2
   *Cookbook|Novel|Field Guide|Atlas|Biography|Poetry Collection|Travel Guide|Graphic Novel|Workbook|Anthology|Dictionary
   Hardcover|Paperback|*Illustrated|Annotated|Collector’s|Large Print|Pocket
   bedtime reading|book clubs|students|long commutes|gift giving`,
  `computers|Computers|20|3000; 13-inch|15-inch|27-inch|1TB|2TB
   Laptop|*Mechanical Keyboard|Wireless Mouse|Monitor|Docking Station|External SSD|Webcam|Laptop Stand|USB-C Hub|Desktop PC|Graphics Tablet
   Ultra-Slim|*Backlit|4K|Ergonomic|High-Performance|Portable|Thunderbolt
   remote work|software development|photo editing|gaming sessions|students`,
  `phones|Phones & Accessories|8|1200; 128GB|256GB|10000mAh|20000mAh|2-Pack
   Smartphone|Phone Case|Screen Protector|Charging Cable|*Power Bank|Car Mount|Wireless Charger|Phone Grip|Travel Adapter|Selfie Stick
   *Fast-Charging|Shockproof|Magnetic|Slim|Premium|Braided|Dual-SIM
   travel|daily carry|road trips|outdoor adventures|the office`,
  `cameras|Cameras & Photo|15|2500; 50mm|35mm|24-70mm|64GB|Kit
   *Mirrorless Camera|Action Camera|Tripod|Camera Bag|Prime Lens|Zoom Lens|Memory Card|Ring Light|Gimbal|Instant Camera|Drone
   *Full-Frame|Weather-Sealed|Stabilized|Carbon Fiber|Compact|4K|Fast-Aperture
   travel photography|vlogging|portrait sessions|wildlife shots|family events`,
  `gaming|Gaming|10|700; Limited Edition|XL|Gen 3|Elite
   *Game Controller|Gaming Headset|Gaming Chair|Console|Gaming Mouse|Mouse Pad|Capture Card|Racing Wheel|Arcade Stick|VR Headset
   *Wireless|RGB|Pro-Grade|Low-Latency|Ergonomic|Hall-Effect|Esports
   competitive play|long gaming sessions|streaming|couch co-op|retro gaming`,
  `home-decor|Home Decor|8|400; 5x7 ft|8x10 ft|Large|Small|Set of 2
   Table Lamp|Wall Mirror|Throw Pillow|*Area Rug|Vase|Picture Frame|Wall Clock|Candle Holder|Floor Lamp|Planter|Curtains
   *Handwoven|Ceramic|Brass|Minimalist|Rattan|Velvet|Marble
   living rooms|cozy reading nooks|entryways|housewarming gifts|bedrooms`,
  `furniture|Furniture|40|2500; Queen|King|3-Seater|Set of 2|Compact
   Sofa|*Armchair|Coffee Table|Bookshelf|Dining Table|Desk|Bed Frame|Dresser|Bar Stool|TV Stand|Nightstand
   Solid Oak|Walnut|*Mid-Century|Modular|Upholstered|Reclaimed Wood|Foldable
   small apartments|home offices|family dining|guest rooms|open-plan living`,
  `bedding|Bedding|15|500; Twin|Full|Queen|King|California King
   Duvet Cover|Sheet Set|*Pillow|Weighted Blanket|Mattress Topper|Comforter|Quilt|Throw Blanket|Pillowcase Set|Mattress
   Organic Cotton|Linen|Bamboo|*Memory Foam|Down-Alternative|Percale|Sateen
   hot sleepers|guest rooms|restful nights|cold winters|kids rooms`,
  `bath|Bath|5|250; Set of 4|Set of 6|Oversized|Standard
   *Bath Towel|Shower Head|Bath Mat|Bathrobe|Towel Rack|Soap Dispenser|Shower Curtain|Vanity Mirror|Toothbrush Holder|Hand Towel Set
   *Turkish Cotton|Quick-Dry|Rainfall|Anti-Slip|Waffle-Weave|Heated|Plush
   spa days|family bathrooms|guest baths|morning routines|gym bags`,
  `garden|Garden|5|800; 50 ft|100 ft|Small|Large|2-Pack
   Garden Hose|Pruning Shears|Raised Bed|*Lawn Mower|Watering Can|Compost Bin|Bird Feeder|Seed Starter Kit|Wheelbarrow|Leaf Blower
   Expandable|*Cordless|Galvanized|Cedar|Ergonomic|Heavy-Duty|Solar
   vegetable gardens|balcony planting|lawn care|backyard birding|spring cleanup`,
  `tools|Tools|8|700; Kit|Bare Tool|42-Piece|108-Piece
   *Cordless Drill|Impact Driver|Socket Set|Tape Measure|Circular Saw|Tool Box|Screwdriver Set|Hammer|Stud Finder|Workbench|Laser Level
   *Brushless|20V|Heavy-Duty|Magnetic|Compact|Professional|Chrome Vanadium
   home repairs|woodworking|DIY projects|job sites|furniture assembly`,
  `automotive|Automotive|8|600; Front Set|Full Set|Universal|Pro
   Dash Cam|Car Vacuum|Jump Starter|Tire Inflator|Seat Cover|*Floor Mats|Roof Rack|Car Charger|Phone Mount|Wax Kit
   *All-Weather|Portable|Heavy-Duty|Universal-Fit|Quick-Install|4K|Rechargeable
   road trips|daily commuting|roadside emergencies|detailing weekends|winter driving`,
  `sports|Sports|8|500; Size 5|Size 7|Youth|Adult|12-Pack
   *Basketball|Soccer Ball|Tennis Racket|Bike Helmet|Baseball Glove|Golf Balls|Yoga Mat|Skateboard|Swim Goggles|Cycling Jersey
   Pro|Lightweight|*Official-Size|Breathable|Carbon|Anti-Fog|Tournament
   league play|weekend matches|training drills|beginners|youth sports`,
  `fitness|Fitness|10|1500; 25 lb|50 lb|Set of 5|Pro|Compact
   *Dumbbells|Kettlebell|Resistance Bands|Foam Roller|Treadmill|Exercise Bike|Jump Rope|Pull-Up Bar|Rowing Machine|Weight Bench
   *Adjustable|Non-Slip|Folding|Smart|Cast Iron|High-Density|Quiet
   home gyms|HIIT workouts|recovery days|strength training|small spaces`,
  `beauty|Beauty|5|250; 30 ml|50 ml|100 ml|Deluxe Set
   *Face Serum|Moisturizer|Hair Dryer|Lipstick|Eyeshadow Palette|Makeup Brush Set|Cleanser|Sunscreen|Hair Straightener|Perfume
   *Hydrating|Vegan|Fragrance-Free|Ionic|Long-Wear|Mineral|Travel-Size
   daily skincare|sensitive skin|evening looks|travel kits|gifting`,
  `health|Health|5|300; Standard|Travel|Large|Family Size
   Blood Pressure Monitor|*Thermometer|First Aid Kit|Massage Gun|Heating Pad|Pill Organizer|Humidifier|Air Purifier|Posture Corrector|Scale
   *Digital|Smart|Cordless|Portable|Medical-Grade|Ultrasonic|HEPA
   home care|recovery|allergy season|seniors|travel`,
  `pet-supplies|Pet Supplies|5|300; Small|Medium|Large|XL
   *Dog Bed|Cat Tree|Dog Leash|Pet Feeder|Litter Box|Chew Toy|Pet Carrier|Scratching Post|Aquarium|Dog Harness
   *Orthopedic|Automatic|Reflective|Chew-Proof|Self-Cleaning|Washable|No-Pull
   large dogs|indoor cats|puppy training|vet visits|long walks`,
  `baby|Baby|8|900; Newborn|0-12 Months|Travel System|3-Pack
   *Stroller|Car Seat|Baby Monitor|High Chair|Diaper Bag|Crib|Baby Carrier|Bottle Set|Play Mat|Swaddle Blanket
   Convertible|*Lightweight|Organic Cotton|Foldable|Video|Anti-Colic|Ergonomic
   newborns|busy parents|travel with infants|nap time|growing toddlers`,
  `office|Office|3|900; A5|A4|12-Pack|Executive
   Notebook|Fountain Pen|Desk Organizer|*Office Chair|Standing Desk|Label Maker|Whiteboard|Paper Shredder|Desk Lamp|File Cabinet
   *Ergonomic|Refillable|Height-Adjustable|Dotted|Magnetic|Mesh|Recycled
   home offices|note taking|team meetings|students|planning`,
  `jewelry|Jewelry|15|2000; 16-inch|18-inch|Size 6|Size 8
   *Necklace|Bracelet|Stud Earrings|Ring|Pendant|Hoop Earrings|Anklet|Charm Bracelet|Cufflinks|Brooch
   *Sterling Silver|14k Gold|Rose Gold|Pearl|Diamond-Accent|Hypoallergenic|Handcrafted
   anniversaries|everyday wear|weddings|birthdays|evening events`,
  `watches|Watches|25|1500; 38mm|40mm|42mm|44mm
   *Smartwatch|Dive Watch|Chronograph|Field Watch|Dress Watch|Fitness Tracker|Watch Strap|Pocket Watch|Watch Winder|GMT Watch
   Automatic|Solar|Sapphire Crystal|Titanium|Water-Resistant|*GPS|Minimalist
   daily wear|diving|running|formal occasions|travel across time zones`,
  `clothing|Clothing|8|400; S|M|L|XL|XXL
   *Rain Jacket|Hoodie|T-Shirt|Denim Jeans|Sweater|Chinos|Puffer Jacket|Flannel Shirt|Leggings|Fleece Vest|Dress
   Merino Wool|Organic Cotton|*Waterproof|Stretch|Relaxed-Fit|Slim-Fit|Recycled
   everyday wear|cold mornings|travel|layering|weekend outings`,
  `shoes|Shoes|20|350; Size 8|Size 9|Size 10|Size 11|Wide
   *Running Shoes|Hiking Boots|Sneakers|Loafers|Sandals|Chelsea Boots|Trail Runners|Slippers|Rain Boots|Oxford Shoes
   *Cushioned|Waterproof|Leather|Lightweight|Wide-Fit|Slip-Resistant|Vegan
   marathon training|city walking|mountain trails|office days|rainy weather`,
  `bags|Bags & Luggage|15|600; 20-inch|24-inch|28-inch|30L|Set of 3
   *Carry-On Suitcase|Backpack|Duffel Bag|Tote Bag|Messenger Bag|Laptop Sleeve|Crossbody Bag|Weekender|Packing Cubes|Wallet
   *Hardshell|Water-Resistant|Leather|Anti-Theft|Expandable|Canvas|Lightweight
   business travel|weekend getaways|daily commuting|campus life|long-haul flights`,
  `instruments|Musical Instruments|10|2000; 3/4 Size|Full Size|61-Key|88-Key|Bundle
   Acoustic Guitar|Electric Guitar|*Digital Piano|Ukulele|Drum Pad|Violin|Microphone|Guitar Amp|MIDI Keyboard|Harmonica
   Beginner|Solid Spruce|*Weighted-Key|Vintage|Studio|Compact|Handcrafted
   beginners|home recording|live gigs|music lessons|practice sessions`,
  `grocery|Grocery & Gourmet|2|80; 250 g|500 g|1 kg|6-Pack|Family Size
   *Coffee Beans|Loose Leaf Tea|Olive Oil|Dark Chocolate|Honey|Granola|Hot Sauce|Pasta|Spice Set|Maple Syrup
   Organic|*Single-Origin|Cold-Pressed|Fair Trade|Raw|Small-Batch|Gluten-Free
   morning routines|home cooking|gift baskets|weekend brunch|snacking`,
];

function parseCategory(block: string): CategoryData {
  const [first = '', nounLine = '', featureLine = '', useLine = ''] = block.split('\n').map((l) => l.trim());
  const [header = '', variantLine = ''] = first.split('; ');
  const [slug = '', name = '', minDollars = '', maxDollars = ''] = header.split('|');
  const rawNouns = nounLine.split('|');
  const rawFeatures = featureLine.split('|');
  const starred = (list: string[]): string => (list.find((w) => w.startsWith('*')) ?? '').slice(1);
  const hero: [string, string] = [starred(rawFeatures), starred(rawNouns)];
  const nouns = rawNouns.map((w) => w.replace(/^\*/, ''));
  const features = rawFeatures.map((w) => w.replace(/^\*/, ''));
  if (!slug || !hero[0] || !hero[1]) throw new Error(`malformed demo category: ${header}`);
  return {
    slug,
    name,
    minCents: Number(minDollars) * 100,
    maxCents: Number(maxDollars) * 100,
    nouns,
    features,
    uses: useLine.split('|'),
    variants: variantLine.split('|'),
    hero,
    nounsLc: nouns.map((w) => w.toLowerCase()),
    featuresLc: features.map((w) => w.toLowerCase()),
  };
}

const CATEGORIES: readonly CategoryData[] = CATEGORY_DATA.map(parseCategory);

export const DEMO_CATEGORIES: readonly CategorySeed[] = CATEGORIES.map(({ slug, name }) => ({ slug, name }));

const BRANDS: readonly string[] = (
  'Aurora|Nordic|Summit|Vertex|Lumen|Harbor|Ember|Atlas|Cobalt|Juniper|Northwind|Orbit|' +
  'Pioneer|Sierra|Tidal|Willow|Zenith|Granite|Maple|Solstice|Kestrel|Meridian|Halcyon|Blackwood'
).split('|');
const COLOURS: readonly string[] =
  'Black|White|Slate Grey|Navy Blue|Forest Green|Sand|Crimson|Sky Blue|Charcoal|Ivory|Copper|Olive|Rose|Midnight Blue'.split(
    '|',
  );
const COLOURS_LC: readonly string[] = COLOURS.map((c) => c.toLowerCase());

// Share of each category rendered with its hero feature+noun.
const HERO_SHARE = 0.25;
const OUT_OF_STOCK_SHARE = 0.05;
const MAX_STOCK = 500;

// mulberry32 with its 32-bit state held at module level: one generator that is
// re-seeded per product avoids allocating a closure for each of millions of rows.
let prngState = 0;

function seed(index: number): void {
  // splitmix-style avalanche so neighbouring indices get unrelated streams;
  // the high word is folded in so indices beyond 2^32 stay distinct.
  let h = (index >>> 0) ^ Math.imul(Math.floor(index / 4294967296), 0x85ebca6b) ^ 0x9e3779b9;
  h = Math.imul(h ^ (h >>> 16), 0x21f0aaad);
  h = Math.imul(h ^ (h >>> 15), 0x735a2d97);
  prngState = h ^ (h >>> 15);
}

function next(): number {
  prngState = (prngState + 0x6d2b79f5) | 0;
  let t = Math.imul(prngState ^ (prngState >>> 15), 1 | prngState);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function pickIndex(length: number): number {
  return (next() * length) | 0;
}

function pick<T>(list: readonly T[]): T {
  return list[pickIndex(list.length)] as T;
}

function article(word: string): string {
  return 'aeiou'.includes(word.charAt(0)) ? 'an' : 'a';
}

function priceCents(c: CategoryData): number {
  // Squaring skews towards the cheap end, like real catalogs; whole dollars
  // stay below maxCents so the added cents can never cross the upper bound.
  const r = next();
  const dollars = Math.floor(c.minCents / 100 + r * r * (c.maxCents / 100 - c.minCents / 100));
  const e = next();
  const cents = e < 0.55 ? 99 : e < 0.75 ? 49 : e < 0.9 ? 0 : pickIndex(100);
  return Math.min(dollars * 100 + cents, c.maxCents - 1);
}

function makeProduct(index: number): GeneratedProduct {
  seed(index);
  const c = pick(CATEGORIES);
  const brand = pick(BRANDS);
  let feature: string;
  let featureLc: string;
  let noun: string;
  let nounLc: string;
  if (next() < HERO_SHARE) {
    [feature, noun] = c.hero;
    featureLc = feature.toLowerCase();
    nounLc = noun.toLowerCase();
  } else {
    const fi = pickIndex(c.features.length);
    const ni = pickIndex(c.nouns.length);
    feature = c.features[fi] as string;
    featureLc = c.featuresLc[fi] as string;
    noun = c.nouns[ni] as string;
    nounLc = c.nounsLc[ni] as string;
  }
  const ci = pickIndex(COLOURS.length);
  const colourLc = COLOURS_LC[ci] as string;
  const v = next();
  const suffix = v < 0.3 ? ` ${pick(c.variants)}` : v < 0.5 ? `, ${COLOURS[ci] as string}` : '';
  const use = pick(c.uses);

  let description: string;
  switch (pickIndex(4)) {
    case 0:
      description = `${brand} ${nounLc} with ${article(featureLc)} ${featureLc} design, made for ${use}. Available in ${colourLc}.`;
      break;
    case 1:
      description = `${feature} ${nounLc} ideal for ${use}, finished in ${colourLc}.`;
      break;
    case 2:
      description = `Built for ${use}, this ${colourLc} ${nounLc} from ${brand} combines ${article(featureLc)} ${featureLc} build with everyday reliability.`;
      break;
    default:
      description = `Looking for ${article(featureLc)} ${featureLc} ${nounLc}? The ${brand} model in ${colourLc} is a favourite for ${use}.`;
  }

  return {
    sku: `SKU-${String(index).padStart(8, '0')}`,
    name: `${brand} ${feature} ${noun}${suffix}`,
    description,
    category: c.slug,
    price_cents: priceCents(c),
    stock: next() < OUT_OF_STOCK_SHARE ? 0 : 1 + pickIndex(MAX_STOCK),
  };
}

/** Products with indices start..start+count-1; each depends only on its index. */
export function generateProducts(start: number, count: number): GeneratedProduct[] {
  if (!Number.isSafeInteger(start) || start < 0)
    throw new RangeError(`start must be a non-negative integer, got ${start}`);
  if (!Number.isSafeInteger(count) || count < 0)
    throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const out = new Array<GeneratedProduct>(count);
  for (let i = 0; i < count; i++) out[i] = makeProduct(start + i);
  return out;
}

/**
 * The Burrow catalog format (version 1): what a site ships so Burrow can recommend its items.
 * Documented for humans in FORMAT.md; the JSON Schema in public/catalog/catalog.schema.json is
 * generated from these zod schemas by `npm run catalog`.
 */
import { z } from 'zod';

export const CATALOG_FORMAT = 'burrow-catalog';
export const CATALOG_VERSION = 1;
export const MIN_YEAR = 1870;

/** Facet and numeric-field names become feature tokens ("imdb_rating:q3"), so they are kept plain. */
const NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
const NAME_EXPECTED = 'expected a name of lowercase letters, digits and "_", starting with a letter';

/** Upcoming releases are listed before they come out, hence one year of slack. */
export function maxCatalogYear(now: Date = new Date()): number {
  return now.getUTCFullYear() + 1;
}

const nonEmptyString = (what: string) =>
  z
    .string({ error: `expected ${what}` })
    .min(1, { error: `expected ${what}` })
    .refine((s) => s.trim() !== '', { error: `expected ${what}` });

/** zod 4 numbers already exclude NaN and Infinity. */
const finiteNumber = (what: string) => z.number({ error: `expected ${what}` });

/** maxYear is left out of the published JSON Schema because it moves with the calendar. */
function makeItemSchema(maxYear?: number) {
  const yearExpected =
    maxYear === undefined
      ? `expected an integer from ${MIN_YEAR}`
      : `expected an integer between ${MIN_YEAR} and ${maxYear}`;
  const year = z
    .number({ error: yearExpected })
    .int({ error: yearExpected })
    .min(MIN_YEAR, { error: yearExpected });
  return z
    .object(
      {
        id: nonEmptyString('a non-empty string').meta({
          description: 'Stable unique id of the item. Never reuse an id for a different item.',
        }),
        title: nonEmptyString('a non-empty string'),
        year: (maxYear === undefined ? year : year.max(maxYear, { error: yearExpected }))
          .nullable()
          .meta({ description: `Release year, ${MIN_YEAR}..(current year + 1), or null if unknown.` }),
        tags: z
          .array(z.string({ error: 'expected a "facet:value" string' }), {
            error: 'expected an array of "facet:value" strings',
          })
          .default([])
          .meta({
            description:
              'Categorical labels as "facet:value" (e.g. "genre:Drama"); the facet must be declared in the catalog\'s facets.',
          }),
        text: z
          .record(z.string(), z.string({ error: 'expected a string' }), {
            error: 'expected an object of strings',
          })
          .default({})
          .meta({ description: 'Free-text fields used for search and display, e.g. {"distributor": "Gramercy"}.' }),
        numeric: z
          .record(z.string(), finiteNumber('a finite number or null').nullable(), {
            error: 'expected an object of numbers',
          })
          .default({})
          .meta({
            description:
              "Numeric attributes keyed by names declared in the catalog's numericFields; null or absent means unknown.",
          }),
        popularity: finiteNumber('a number between 0 and 1')
          .min(0, { error: 'expected a number between 0 and 1' })
          .max(1, { error: 'expected a number between 0 and 1' })
          .meta({ description: 'Prior popularity in [0, 1], used before anything is known about the user.' }),
      },
      { error: 'expected an object' },
    )
    .meta({ title: 'CatalogItem' });
}

const itemSchema = makeItemSchema();

const facetSchema = z.object({ label: nonEmptyString('a non-empty label') });

const numericFieldSchema = z.object({
  label: nonEmptyString('a non-empty label'),
  unit: z.string({ error: 'expected a string' }).optional(),
  min: finiteNumber('a finite number').optional(),
  max: finiteNumber('a finite number').optional(),
});

const nameKey = z.string().regex(NAME_PATTERN, { error: NAME_EXPECTED });

const headerShape = {
  format: z.literal(CATALOG_FORMAT, { error: `expected "${CATALOG_FORMAT}"` }),
  version: z.literal(CATALOG_VERSION, { error: `expected ${CATALOG_VERSION}` }),
  id: nonEmptyString('a non-empty string').meta({
    description: 'Identifies this exact content, e.g. "vega-movies@1-3f2a9c1e"; change it whenever items change.',
  }),
  name: nonEmptyString('a non-empty string'),
  description: z.string({ error: 'expected a string' }),
  itemNoun: nonEmptyString('a non-empty string').meta({ description: 'What one item is called, e.g. "film".' }),
  license: nonEmptyString('a non-empty string'),
  provenance: z.string({ error: 'expected a string' }),
  facets: z.record(nameKey, facetSchema, { error: 'expected an object of facets' }),
  numericFields: z.record(nameKey, numericFieldSchema, { error: 'expected an object of numeric fields' }),
};

const headerSchema = z.object(headerShape);

const catalogSchema = z
  .object({ ...headerShape, items: z.array(itemSchema, { error: 'expected an array of items' }) })
  .meta({ title: 'Burrow catalog', description: 'Burrow catalog format, version 1. See FORMAT.md.' });

export type CatalogItem = z.output<typeof itemSchema>;
export type Catalog = z.output<typeof catalogSchema>;
export type FacetSpec = z.output<typeof facetSchema>;
export type NumericFieldSpec = z.output<typeof numericFieldSchema>;

/** JSON Schema (draft 2020-12) of the format; checks that need the whole catalog are described, not encoded. */
export function catalogJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(catalogSchema, { io: 'input' }),
    $comment:
      'Also enforced by Burrow but not expressible here: unique item ids, tag facets and numeric keys ' +
      'declared in facets/numericFields, numeric values within declared min/max, year <= current year + 1.',
  };
}

export class CatalogError extends Error {
  override name = 'CatalogError';
  readonly itemIndex?: number;
  readonly itemId?: string;
  readonly field?: string;

  constructor(message: string, where: { itemIndex?: number; itemId?: string; field?: string } = {}) {
    super(message);
    if (where.itemIndex !== undefined) this.itemIndex = where.itemIndex;
    if (where.itemId !== undefined) this.itemId = where.itemId;
    if (where.field !== undefined) this.field = where.field;
  }
}

/** ["numeric", "imdb_rating"] -> "numeric.imdb_rating"; ["tags", 2] -> "tags[2]". */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const json = JSON.stringify(value);
  if (json === undefined) return typeof value;
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function itemLabel(index: number, id: string | undefined): string {
  return id === undefined ? `Catalog item #${index}` : `Catalog item #${index} (id ${JSON.stringify(id)})`;
}

function fail(
  expected: string,
  got: unknown,
  where: { itemIndex?: number; itemId?: string; field: string },
): never {
  const subject = where.itemIndex === undefined ? 'Catalog' : itemLabel(where.itemIndex, where.itemId);
  const location = where.field === '' ? subject : `${subject} field "${where.field}"`;
  const { field, ...rest } = where;
  throw new CatalogError(`${location}: ${expected}, got ${describeValue(got)}`, field === '' ? rest : where);
}

type Issue = z.core.$ZodIssue;

/** Record-key issues carry the useful message one level down. */
function issueMessage(issue: Issue): string {
  if (issue.code === 'invalid_key') return issue.issues[0]?.message ?? issue.message;
  return issue.message;
}

function failOnIssue(
  issue: Issue,
  root: unknown,
  where: { itemIndex?: number; itemId?: string; pathPrefix?: PropertyKey[] },
): never {
  const path = [...(where.pathPrefix ?? []), ...issue.path];
  const got = issue.code === 'invalid_key' ? path[path.length - 1] : valueAt(root, issue.path);
  const { pathPrefix: _unused, ...rest } = where;
  return fail(issueMessage(issue), got, { ...rest, field: formatPath(path) });
}

function checkEnvelope(json: unknown): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new CatalogError(`Catalog: expected a JSON object, got ${describeValue(json)}`);
  }
  const record = json as Record<string, unknown>;
  if (record.format !== CATALOG_FORMAT) fail(`expected "${CATALOG_FORMAT}"`, record.format, { field: 'format' });
  if (record.version !== CATALOG_VERSION) {
    fail(`unsupported catalog version; this build of Burrow reads version ${CATALOG_VERSION}`, record.version, {
      field: 'version',
    });
  }
  return record;
}

function rawId(raw: unknown): string | undefined {
  const id = valueAt(raw, ['id']);
  return typeof id === 'string' && id.trim() !== '' ? id : undefined;
}

interface ItemRules {
  facets: Record<string, FacetSpec>;
  numericFields: Record<string, NumericFieldSpec>;
  maxYear: number;
}

const datedSchemas = new Map<number, ReturnType<typeof makeItemSchema>>();

function datedItemSchema(maxYear: number): ReturnType<typeof makeItemSchema> {
  let schema = datedSchemas.get(maxYear);
  if (schema === undefined) {
    schema = makeItemSchema(maxYear);
    datedSchemas.set(maxYear, schema);
  }
  return schema;
}

function checkItemRules(item: CatalogItem, where: { itemIndex: number; itemId: string }, rules: ItemRules): void {
  const seenTags = new Set<string>();
  item.tags.forEach((tag, t) => {
    const field = `tags[${t}]`;
    const colon = tag.indexOf(':');
    if (colon <= 0 || colon === tag.length - 1) fail('expected a "facet:value" string', tag, { ...where, field });
    const facet = tag.slice(0, colon);
    if (!Object.hasOwn(rules.facets, facet)) {
      const declared = Object.keys(rules.facets).join(', ') || 'none';
      fail(`facet "${facet}" is not declared in catalog facets (declared: ${declared})`, tag, { ...where, field });
    }
    if (seenTags.has(tag)) fail('expected each tag once', tag, { ...where, field });
    seenTags.add(tag);
  });
  for (const [key, value] of Object.entries(item.numeric)) {
    const field = `numeric.${key}`;
    const spec = rules.numericFields[key];
    if (spec === undefined) {
      const declared = Object.keys(rules.numericFields).join(', ') || 'none';
      fail(`field "${key}" is not declared in catalog numericFields (declared: ${declared})`, value, {
        ...where,
        field,
      });
    }
    if (value === null) continue;
    if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
      fail(`expected a number between ${spec.min ?? '-infinity'} and ${spec.max ?? 'infinity'}, or null`, value, {
        ...where,
        field,
      });
    }
  }
}

/** Absent declared numeric fields become null so consumers can index every field on every item. */
function withAllNumericFields(item: CatalogItem, numericFields: Record<string, NumericFieldSpec>): CatalogItem {
  const numeric: Record<string, number | null> = {};
  for (const key of Object.keys(numericFields)) numeric[key] = item.numeric[key] ?? null;
  return { ...item, numeric };
}

export interface ParseCatalogOptions {
  /** Used for the latest allowed year; defaults to now. */
  now?: Date;
}

/**
 * Validates untrusted JSON as a catalog. Throws CatalogError naming the first bad record and field.
 * Unknown keys are dropped so newer catalogs with extra metadata still load.
 */
export function parseCatalog(json: unknown, options: ParseCatalogOptions = {}): Catalog {
  const record = checkEnvelope(json);
  const header = headerSchema.safeParse(record);
  if (!header.success) failOnIssue(header.error.issues[0]!, record, {});
  const rawItems = record.items;
  if (!Array.isArray(rawItems)) fail('expected an array of items', rawItems, { field: 'items' });

  const rules: ItemRules = {
    facets: header.data.facets,
    numericFields: header.data.numericFields,
    maxYear: maxCatalogYear(options.now),
  };
  const dated = datedItemSchema(rules.maxYear);
  const firstIndexOfId = new Map<string, number>();
  const items = rawItems.map((raw: unknown, itemIndex): CatalogItem => {
    const parsed = dated.safeParse(raw);
    if (!parsed.success) {
      const itemId = rawId(raw);
      failOnIssue(parsed.error.issues[0]!, raw, itemId === undefined ? { itemIndex } : { itemIndex, itemId });
    }
    const item = parsed.data;
    const where = { itemIndex, itemId: item.id };
    const earlier = firstIndexOfId.get(item.id);
    if (earlier !== undefined) fail(`expected a unique id (item #${earlier} has the same id)`, item.id, { ...where, field: 'id' });
    firstIndexOfId.set(item.id, itemIndex);
    checkItemRules(item, where, rules);
    return withAllNumericFields(item, rules.numericFields);
  });
  return { ...header.data, items };
}

import type { Catalog, CatalogItem } from './schema';

/** Dense index <-> stable id mapping; indices follow catalog item order. */
export class CatalogIndex {
  readonly catalog: Catalog;
  readonly size: number;
  private readonly indexById: ReadonlyMap<string, number>;

  constructor(catalog: Catalog) {
    this.catalog = catalog;
    this.size = catalog.items.length;
    this.indexById = new Map(catalog.items.map((item, index) => [item.id, index]));
    if (this.indexById.size !== this.size) throw new Error('CatalogIndex: item ids are not unique');
  }

  indexOf(id: string): number | undefined {
    return this.indexById.get(id);
  }

  idAt(index: number): string {
    return this.item(index).id;
  }

  item(index: number): CatalogItem {
    const item = Number.isInteger(index) ? this.catalog.items[index] : undefined;
    if (item === undefined) throw new RangeError(`CatalogIndex: no item at index ${index} (size ${this.size})`);
    return item;
  }
}

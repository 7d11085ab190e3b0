export { PopularityModel, popularityConfigSchema, type PopularityConfig } from './popularity';
export { ItemKNNModel, itemKnnConfigSchema, type ItemKnnConfig } from './itemknn';

/** Quota and persistence, for the settings page; navigator.storage is missing in old browsers and in Node. */

export interface StorageInfo {
  usage?: number;
  quota?: number;
  persisted?: boolean;
}

type StorageLike = Partial<Pick<StorageManager, 'estimate' | 'persisted' | 'persist'>>;

function defaultStorage(): StorageLike | undefined {
  const nav = (globalThis as { navigator?: { storage?: StorageLike } }).navigator;
  return nav?.storage;
}

export async function storageEstimate(storage: StorageLike | undefined = defaultStorage()): Promise<StorageInfo> {
  const info: StorageInfo = {};
  if (!storage) return info;
  // Each call is optional and may throw (e.g. in sandboxed iframes); report what is known.
  try {
    const estimate = await storage.estimate?.();
    if (estimate?.usage !== undefined) info.usage = estimate.usage;
    if (estimate?.quota !== undefined) info.quota = estimate.quota;
  } catch {
    /* unknown usage */
  }
  try {
    const persisted = await storage.persisted?.();
    if (persisted !== undefined) info.persisted = persisted;
  } catch {
    /* unknown persistence */
  }
  return info;
}

/** Asks the browser not to evict Burrow's data under storage pressure; false when refused or unsupported. */
export async function requestPersistence(storage: StorageLike | undefined = defaultStorage()): Promise<boolean> {
  try {
    return (await storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}

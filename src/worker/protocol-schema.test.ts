import { describe, expect, it } from 'vitest';
import { checked } from './handler';
import { checkRequest, ProtocolError, REQUEST_SCHEMAS } from './protocol-schema';
import type { EngineProtocol } from './protocol';
import type { Handlers } from './rpc';

const record = { uid: 'u-1', itemId: 'alien-1979', kind: 'like', value: null, session: 's' };

describe('runtime checks of the worker protocol', () => {
  it('passes a well-formed request through, its extra fields dropped', () => {
    expect(checkRequest('record', { ...record, extra: 1 })).toEqual(record);
    expect(checkRequest('recommend', { k: 12, variety: 0.5, tail: 0, explore: false })).toEqual({ k: 12, variety: 0.5, tail: 0, explore: false });
    expect(checkRequest('packInfo', null)).toBeNull();
  });

  it('refuses a malformed one, naming the field', () => {
    expect(() => checkRequest('record', { ...record, kind: 'teleport' })).toThrow(ProtocolError);
    expect(() => checkRequest('record', { ...record, kind: 'teleport' })).toThrow(/"record" request is malformed \(field "kind"\)/);
    expect(() => checkRequest('record', { ...record, uid: '' })).toThrow(/field "uid"/);
    expect(() => checkRequest('recommend', { k: -1 })).toThrow(/field "k"/);
    expect(() => checkRequest('saveSetting', { key: 'burrow:seq', value: 1 })).toThrow(/field "key"/);
    expect(() => checkRequest('open', { catalog: 'x', storeName: 'burrow' })).toThrow(/field "catalog"/);
  });

  it('a handler never sees a malformed payload', async () => {
    const seen: unknown[] = [];
    const handlers = Object.fromEntries(Object.keys(REQUEST_SCHEMAS).map((kind) => [kind, (payload: unknown) => seen.push(payload)])) as unknown as Handlers<EngineProtocol>;
    const guarded = checked(handlers);
    expect(() => guarded.record({ ...record, value: 'five' } as never)).toThrow(ProtocolError);
    await guarded.record(record as EngineProtocol['record']['request']);
    expect(seen).toEqual([record]);
  });
});

import { describe, expect, it } from 'vitest';
import { postNotice, RemoteError, RpcClient, serveRpc, type Port } from './rpc';

type TestProtocol = {
  add: { request: { a: number; b: number }; response: number };
  fail: { request: null; response: never };
};

class ValidationError extends Error {
  override name = 'ValidationError';
}

function channelPair(): [Port, Port] {
  const channel = new MessageChannel();
  channel.port1.start();
  channel.port2.start();
  return [channel.port1 as unknown as Port, channel.port2 as unknown as Port];
}

describe('typed rpc', () => {
  it('routes requests to handlers and returns typed results', async () => {
    const [clientPort, workerPort] = channelPair();
    serveRpc<TestProtocol>(workerPort, {
      add: ({ a, b }) => a + b,
      fail: () => {
        throw new ValidationError('bad field "year"');
      },
    });
    const client = new RpcClient<TestProtocol, string>(clientPort);
    await expect(client.call('add', { a: 2, b: 3 })).resolves.toBe(5);
    const failure = await client.call('fail', null).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RemoteError);
    expect((failure as Error).name).toBe('ValidationError');
    expect((failure as Error).message).toBe('bad field "year"');
  });

  it('delivers notices to listeners', async () => {
    const [clientPort, workerPort] = channelPair();
    const client = new RpcClient<TestProtocol, string>(clientPort);
    const received = new Promise<string>((resolve) => client.onNotice(resolve));
    postNotice(workerPort, 'progress 50%');
    await expect(received).resolves.toBe('progress 50%');
  });
});

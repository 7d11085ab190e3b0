/// <reference lib="webworker" />
/** Worker entry: the engine lives here so ranking and training never stall the UI. */
import { serveRpc, type Port } from './rpc';
import { createEngineHandlers } from './handler';

const port = self as unknown as Port;
serveRpc(port, createEngineHandlers(port));

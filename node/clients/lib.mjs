// Shared helpers for the client test scripts (no test logic here).
import { HDNodeWallet, Mnemonic } from 'ethers';

export const MNEMONIC = 'test test test test test test test test test test test junk';
export const CHAIN_ID = 1337n;

/** Parses `--key value` / `--flag` arguments; `spec` maps key -> default (booleans are flags). */
export function parseArgs(spec, argv = process.argv.slice(2)) {
  const out = { ...spec };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) die(`unexpected argument ${a}`);
    const key = a.slice(2);
    if (!(key in spec)) die(`unknown option ${a} (known: ${Object.keys(spec).map((k) => '--' + k).join(' ')})`);
    if (typeof spec[key] === 'boolean') out[key] = true;
    else {
      const v = argv[++i];
      if (v === undefined) die(`${a} needs a value`);
      out[key] = typeof spec[key] === 'number' ? Number(v) : v;
      if (typeof spec[key] === 'number' && !Number.isFinite(out[key])) die(`${a}: not a number: ${v}`);
    }
  }
  for (const [k, v] of Object.entries(out)) if (v === null) die(`--${k} is required`);
  return out;
}

export function die(msg) {
  console.error(`FAIL: ${msg}`);
  process.exit(1);
}

/** http://host:port -> ws://host:port (https -> wss). */
export function wsUrlFor(rpc) {
  const u = new URL(rpc);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString().replace(/\/$/, '');
}

/** Dev account i of the standard mnemonic, path m/44'/60'/0'/0/i (the accounts anvil prefunds). */
export function devWallets(count = 10, provider = null) {
  const root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), "m/44'/60'/0'/0");
  const out = [];
  for (let i = 0; i < count; i++) {
    const w = root.deriveChild(i);
    out.push(provider ? w.connect(provider) : w);
  }
  return out;
}

let rpcId = 1;
/** Raw JSON-RPC over HTTP; returns the whole response object ({result} or {error}). */
export async function rpcRaw(url, method, params = [], { timeoutMs = 30000 } = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: rpcId++, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`${method}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** JSON-RPC call that throws on an error response. */
export async function rpc(url, method, params = [], opts) {
  const r = await rpcRaw(url, method, params, opts);
  if (r.error) {
    const e = new Error(`${method} failed: ${JSON.stringify(r.error)}`);
    e.rpcError = r.error;
    throw e;
  }
  return r.result;
}

/** Waits until eth_chainId answers (default 60 s). */
export async function waitReady(url, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      return BigInt(await rpc(url, 'eth_chainId', [], { timeoutMs: 2000 }));
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`node at ${url} not ready after ${timeoutMs} ms: ${last?.message}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export function step(msg) {
  console.log(`--> ${msg}`);
}

/** ethers JsonRpcProvider without ethers' 250 ms result cache (it would return stale nonces). */
export async function makeProvider(url, pollingInterval = 100) {
  const { JsonRpcProvider } = await import('ethers');
  const p = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  p.pollingInterval = pollingInterval;
  return p;
}

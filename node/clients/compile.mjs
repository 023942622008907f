#!/usr/bin/env node
// Compiles every contracts/*.sol with solc-js (soljson, offline) and returns/writes the artifacts.
//
//   node compile.mjs [--out build/contracts.json]
//
// As a module: `import { compileAll } from './compile.mjs'` -> { Name: { abi, bytecode, deployedBytecode } }.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
export const CONTRACTS_DIR = path.join(here, 'contracts');
export const EVM_VERSION = 'cancun';

let cached = null;

export function compileAll() {
  if (cached) return cached;
  const solc = require('solc');
  const sources = {};
  for (const f of fs.readdirSync(CONTRACTS_DIR).sort()) {
    if (f.endsWith('.sol')) sources[f] = { content: fs.readFileSync(path.join(CONTRACTS_DIR, f), 'utf8') };
  }
  if (Object.keys(sources).length === 0) throw new Error(`no .sol files in ${CONTRACTS_DIR}`);
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: EVM_VERSION,
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) {
    throw new Error('solc failed:\n' + errors.map((e) => e.formattedMessage).join('\n'));
  }
  const artifacts = {};
  for (const [file, contracts] of Object.entries(out.contracts)) {
    for (const [name, c] of Object.entries(contracts)) {
      if (artifacts[name]) throw new Error(`duplicate contract name ${name} (${file})`);
      const bytecode = '0x' + c.evm.bytecode.object;
      if (bytecode.length <= 2) throw new Error(`contract ${name} compiled to empty bytecode`);
      artifacts[name] = { abi: c.abi, bytecode, deployedBytecode: '0x' + c.evm.deployedBytecode.object };
    }
  }
  artifacts._compiler = { solc: solc.version(), evmVersion: EVM_VERSION };
  cached = artifacts;
  return artifacts;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const outPath = i > 0 ? process.argv[i + 1] : path.join(here, 'build', 'contracts.json');
  const artifacts = compileAll();
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  fs.writeFileSync(outPath, JSON.stringify(artifacts, null, 1));
  const names = Object.keys(artifacts).filter((n) => !n.startsWith('_'));
  console.error(`compiled ${names.join(', ')} with solc ${artifacts._compiler.solc} -> ${outPath}`);
}

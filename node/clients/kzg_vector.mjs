// One valid EIP-4844 point-evaluation input, taken from the official KZG reference vectors:
//   /work/shared/vectors/kzg/verify_kzg_proof/verify_kzg_proof_case_correct_proof_2_3/data.yaml
//   (c-kzg-4844 tests, byte-identical to consensus-spec-tests general/kzg-mainnet; output: true)
import { sha256, getBytes, hexlify, concat, toBeHex, zeroPadValue } from 'ethers';

export const KZG_VECTOR_FILE = 'verify_kzg_proof/verify_kzg_proof_case_correct_proof_2_3/data.yaml';
export const COMMITMENT =
  '0xa421e229565952cfff4ef3517100a97da1d4fe57956fa50a442f92af03b1bf37adacc8ad4ed209b31287ea5bb94d9d06';
export const Z = '0x5eb7004fe57383e6c88b99d839937fddf3f99279353aaf8d5c9a75f91ce33c62';
export const Y = '0x5ee1e9a4a06a02ca6ea14b0ca73415a8ba0fba888f18dde56df499b480d4b9e0';
export const PROOF =
  '0xa1fcd37a924af9ec04143b44853c26f6b0738f6e15a3e0755057e7d5460406c7e148adb0e2d608982140d0ae42fe0b3b';

export const POINT_EVALUATION_ADDRESS = '0x000000000000000000000000000000000000000a';
export const FIELD_ELEMENTS_PER_BLOB = 4096n;
export const BLS_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
/** What the precompile returns on success: uint256(4096) || uint256(BLS_MODULUS). */
export const SUCCESS_OUTPUT = concat([
  zeroPadValue(toBeHex(FIELD_ELEMENTS_PER_BLOB), 32),
  zeroPadValue(toBeHex(BLS_MODULUS), 32),
]);

/** EIP-4844 kzg_to_versioned_hash: 0x01 || sha256(commitment)[1:]. */
export function versionedHash(commitment) {
  const h = getBytes(sha256(commitment));
  h[0] = 0x01;
  return hexlify(h);
}

/** The 192-byte precompile input. */
export function precompileInput({ commitment = COMMITMENT, z = Z, y = Y, proof = PROOF, vh } = {}) {
  return concat([vh ?? versionedHash(commitment), z, y, commitment, proof]);
}

/** Returns a copy of hex `h` with byte `i` XOR-ed with `mask`. */
export function flipByte(h, i, mask = 0x01) {
  const b = getBytes(h);
  b[i] ^= mask;
  return hexlify(b);
}

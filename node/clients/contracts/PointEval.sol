// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title PointEval: calls the EIP-4844 point-evaluation precompile (address 0x0A).
/// @notice Input is exactly 192 bytes: versioned_hash(32) | z(32) | y(32) | commitment(48) | proof(48).
///         On success the precompile returns 64 bytes: uint256(4096) | BLS12-381 scalar modulus.
///         On failure the precompile consumes all gas forwarded to it, so a fixed gas stipend is
///         forwarded (the precompile costs 50,000) to keep failed verifications cheap.
contract PointEval {
    address internal constant POINT_EVALUATION = address(0x0A);
    uint256 internal constant STIPEND = 100_000;

    bool public lastOk; // slot 0
    uint256 public verifications; // slot 1
    bytes public lastOutput; // slot 2

    event Evaluated(address indexed caller, bytes32 indexed versionedHash, bool ok, bytes output);

    function input(bytes32 versionedHash, bytes32 z, bytes32 y, bytes calldata commitment, bytes calldata proof)
        public
        pure
        returns (bytes memory)
    {
        require(commitment.length == 48, "PointEval: commitment must be 48 bytes");
        require(proof.length == 48, "PointEval: proof must be 48 bytes");
        return abi.encodePacked(versionedHash, z, y, commitment, proof);
    }

    /// Read-only check: returns whether the precompile succeeded and what it returned.
    function check(bytes32 versionedHash, bytes32 z, bytes32 y, bytes calldata commitment, bytes calldata proof)
        public
        view
        returns (bool ok, bytes memory output)
    {
        bytes memory data = input(versionedHash, z, y, commitment, proof);
        require(data.length == 192, "PointEval: input must be 192 bytes");
        (ok, output) = POINT_EVALUATION.staticcall{gas: STIPEND}(data);
    }

    /// State-changing variant: stores the outcome and emits it.
    function record(bytes32 versionedHash, bytes32 z, bytes32 y, bytes calldata commitment, bytes calldata proof)
        external
        returns (bool ok)
    {
        bytes memory output;
        (ok, output) = check(versionedHash, z, y, commitment, proof);
        lastOk = ok;
        lastOutput = output;
        verifications += 1;
        emit Evaluated(msg.sender, versionedHash, ok, output);
    }
}

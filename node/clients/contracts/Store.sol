// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Store: writes storage in several shapes (plain slots, a mapping, a dynamic array)
///        and can revert on demand; used by the differential test.
/// @notice Layout (relied upon by diff_anvil.mjs): slot 0 = counter, slot 1 = last writer,
///         slot 2 = mapping(uint256 => uint256) values, slot 3 = uint256[] history.
contract Store {
    uint256 public counter; // slot 0
    address public lastWriter; // slot 1
    mapping(uint256 => uint256) public values; // slot 2
    uint256[] public history; // slot 3

    event Written(address indexed writer, uint256 indexed key, uint256 value);

    error TooLarge(uint256 value, uint256 limit);

    function set(uint256 key, uint256 value) external {
        values[key] = value;
        history.push(value);
        counter += 1;
        lastWriter = msg.sender;
        emit Written(msg.sender, key, value);
    }

    function clear(uint256 key) external {
        delete values[key];
        counter += 1;
    }

    function mustBeBelow(uint256 value, uint256 limit) external pure returns (uint256) {
        require(value < limit, "Store: value too large");
        return value;
    }

    /// Reverts with a custom error (no reason string).
    function mustBeBelowCustom(uint256 value, uint256 limit) external pure returns (uint256) {
        if (value >= limit) revert TooLarge(value, limit);
        return value;
    }

    /// Reverts with empty revert data.
    function fail() external pure {
        revert();
    }

    /// Panics (0x11, arithmetic overflow) when value > 0.
    function overflow(uint256 value) external pure returns (uint256) {
        return type(uint256).max + value;
    }

    /// Burns gas in a loop of SSTOREs; used for out-of-gas checks.
    function burn(uint256 rounds) external {
        for (uint256 i = 0; i < rounds; i++) {
            values[1_000_000 + i] = i + 1;
        }
    }
}

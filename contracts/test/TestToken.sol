// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestToken
/// @notice Test-only ERC-20: the deployer gets `supply` tokens.
contract TestToken is ERC20 {
    constructor(uint256 supply) ERC20("Test Token", "TEST") {
        _mint(msg.sender, supply);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Deploy} from "./utils/Deploy.sol";
import {Test} from "./utils/Test.sol";
import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";
import {Exchange} from "../../contracts/Exchange.sol";
import {IExchange} from "../../contracts/interfaces/IExchange.sol";

/// @notice Replays the shared EIP-712 golden vectors (packages/core/test/vectors/eip712.json, made
///         by the core package) against the hashing of the contract.
contract VectorsTest is Test {
    string internal json;

    function setUp() public {
        json = vm.readFile(string.concat(vm.projectRoot(), "/../core/test/vectors/eip712.json"));
    }

    function test_TypehashMatchesCore() public {
        IExchange ex = IExchange(address(Deploy.exchange(Deploy.network(address(this), bytes32(uint256(1)), bytes32(uint256(2)), 60))));
        assertEq(ex.ORDER_TYPEHASH(), vm.parseJsonBytes32(json, ".orderTypehash"), "typehash");
        assertEq(
            keccak256(bytes(vm.parseJsonString(json, ".orderTypeString"))), ex.ORDER_TYPEHASH(), "type string"
        );
    }

    function test_OrderHashesMatchCore() public {
        Exchange template = Deploy.exchange(Deploy.network(address(this), bytes32(uint256(1)), bytes32(uint256(2)), 60));
        uint256 count;
        while (vm.keyExistsJson(json, _key(count, ""))) {
            _check(template, count);
            ++count;
        }
        assertGe(count, 5, "vector count");
    }

    function _check(Exchange template, uint256 i) internal {
        address verifyingContract = vm.parseJsonAddress(json, _key(i, ".domain.verifyingContract"));
        vm.chainId(vm.parseJsonUint(json, _key(i, ".domain.chainId")));
        // The same runtime code at the vector's address: the domain separator follows address(this).
        vm.etch(verifyingContract, address(template).code);
        IExchange ex = IExchange(verifyingContract);

        assertEq(ex.domainSeparator(), vm.parseJsonBytes32(json, _key(i, ".domainSeparator")), "domain separator");
        IExchangeTypes.Order memory o = IExchangeTypes.Order({
            subaccount: vm.parseJsonBytes32(json, _key(i, ".order.subaccount")),
            marketId: uint32(vm.parseJsonUint(json, _key(i, ".order.marketId"))),
            isBuy: vm.parseJsonBool(json, _key(i, ".order.isBuy")),
            price: uint128(vm.parseJsonUint(json, _key(i, ".order.price"))),
            amount: uint128(vm.parseJsonUint(json, _key(i, ".order.amount"))),
            nonce: uint64(vm.parseJsonUint(json, _key(i, ".order.nonce"))),
            expiry: uint64(vm.parseJsonUint(json, _key(i, ".order.expiry"))),
            flags: uint32(vm.parseJsonUint(json, _key(i, ".order.flags"))),
            clientId: uint64(vm.parseJsonUint(json, _key(i, ".order.clientId")))
        });
        bytes32 expected = vm.parseJsonBytes32(json, _key(i, ".digest"));
        assertEq(ex.orderHash(o), expected, string.concat("digest of vector ", vm.toString(i)));
        // struct hash, independently of the contract's assembly encoder
        bytes32 structHash = keccak256(
            abi.encode(
                IExchange(address(ex)).ORDER_TYPEHASH(),
                o.subaccount,
                o.marketId,
                o.isBuy,
                o.price,
                o.amount,
                o.nonce,
                o.expiry,
                o.flags,
                o.clientId
            )
        );
        assertEq(structHash, vm.parseJsonBytes32(json, _key(i, ".structHash")), "struct hash");
    }

    function test_RiskPlanDigestsMatchCore() public {
        assertEq(
            keccak256(bytes(vm.parseJsonString(json, ".riskPlanTypeString"))), vm.parseJsonBytes32(json, ".riskPlanTypehash"), "type string"
        );
        Exchange template = Deploy.exchange(Deploy.network(address(this), bytes32(uint256(1)), bytes32(uint256(2)), 60));
        uint256 count;
        while (vm.keyExistsJson(json, string.concat(".riskPlans[", vm.toString(count), "]"))) {
            string memory k = string.concat(".riskPlans[", vm.toString(count), "]");
            address verifyingContract = vm.parseJsonAddress(json, string.concat(k, ".domain.verifyingContract"));
            vm.chainId(vm.parseJsonUint(json, string.concat(k, ".domain.chainId")));
            vm.etch(verifyingContract, address(template).code);
            uint256[] memory ids = vm.parseJsonUintArray(json, string.concat(k, ".plan.marketOrder"));
            IExchangeTypes.RiskPlan memory p;
            p.subaccount = vm.parseJsonBytes32(json, string.concat(k, ".plan.subaccount"));
            p.marketOrder = new uint32[](ids.length);
            for (uint256 j; j < ids.length; ++j) p.marketOrder[j] = uint32(ids[j]);
            p.maxSlippageBps = uint16(vm.parseJsonUint(json, string.concat(k, ".plan.maxSlippageBps")));
            p.graceSeconds = uint32(vm.parseJsonUint(json, string.concat(k, ".plan.graceSeconds")));
            p.nonce = uint64(vm.parseJsonUint(json, string.concat(k, ".plan.nonce")));
            assertEq(IExchange(verifyingContract).riskPlanHash(p), vm.parseJsonBytes32(json, string.concat(k, ".digest")), k);
            ++count;
        }
        assertGe(count, 3, "plan vector count");
    }

    function _key(uint256 i, string memory path) internal pure returns (string memory) {
        return string.concat(".vectors[", vm.toString(i), "]", path);
    }
}

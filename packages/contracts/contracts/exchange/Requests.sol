// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExchangeTypes} from "../interfaces/IExchangeTypes.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {MathX18} from "../lib/MathX18.sol";
import {OrderLib} from "../lib/OrderLib.sol";
import {ExchangeStorage} from "./ExchangeStorage.sol";

/// @title What traders do on chain: deposits, withdrawal requests, cancels, linked signers,
///        liquidations, and claiming a payout a token refused.
/// @notice Each is queued and reaches the engine through the batch that moves the request cursor
///         past it, so every node applies it at the same point of the sequence. Cancels and
///         linked signers bind settlement at once; deposits move tokens in at once. Nothing is
///         queued once the Exchange is frozen. The insurance fund's subaccount never withdraws,
///         liquidates or links a signer: it moves only by the protocol's rules. This code runs in
///         the Exchange's extension (by delegatecall, on the Exchange's storage).
abstract contract Requests is ExchangeStorage, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    modifier onlyOwnerOf(bytes32 subaccount) {
        if (OrderLib.owner(subaccount) != msg.sender) revert NotOwner();
        _;
    }

    /// Not the insurance fund's subaccount: its owner address holds no power over it.
    modifier notTheFund(bytes32 subaccount) {
        if (subaccount == _insuranceSubaccount) revert NotOwner();
        _;
    }

    function deposit(bytes32 subaccount, uint32 assetId, uint256 tokenAmount)
        external
        nonReentrant
        returns (uint64 requestId)
    {
        // a subaccount without an owner could never take its tokens out again
        if (OrderLib.owner(subaccount) == address(0)) revert InvalidParams();
        Asset storage asset = _asset(assetId);
        IERC20 token = IERC20(asset.token);
        uint128 amount = _toX18(tokenAmount, asset.decimals);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), tokenAmount);
        // Credit only what arrived: a token that takes a fee on transfer would break conservation.
        if (token.balanceOf(address(this)) - before != tokenAmount) revert InvalidAmount();
        _depositsQueued[assetId] += amount;
        requestId = _queue(RequestKind.Deposit, subaccount, assetId, amount);
    }

    function requestWithdrawal(bytes32 subaccount, uint32 assetId, uint256 tokenAmount)
        external
        nonReentrant
        onlyOwnerOf(subaccount)
        notTheFund(subaccount)
        returns (uint64 requestId)
    {
        uint128 amount = _toX18(tokenAmount, _asset(assetId).decimals);
        requestId = _queue(RequestKind.Withdrawal, subaccount, assetId, amount);
    }

    /// @dev Never lowers the minimum nonce; the queued request carries the resulting minimum.
    function cancelUpTo(bytes32 subaccount, uint64 newMinNonce)
        external
        nonReentrant
        onlyOwnerOf(subaccount)
        returns (uint64 requestId)
    {
        uint256 header = _headers[subaccount];
        uint64 current = uint64(header & MASK64);
        if (newMinNonce > current) _headers[subaccount] = (header & ~MASK64) | newMinNonce;
        else newMinNonce = current;
        requestId = _queue(RequestKind.CancelUpTo, subaccount, 0, newMinNonce);
    }

    function cancelOrders(Order[] calldata orders) external nonReentrant returns (uint64 firstRequestId) {
        if (orders.length == 0) revert InvalidParams();
        firstRequestId = _progress.requestCount;
        bytes32 domainSep = _domainSeparator();
        for (uint256 i; i < orders.length; ++i) {
            Order calldata o = orders[i];
            if (OrderLib.owner(o.subaccount) != msg.sender) revert NotOwner();
            bytes32 digest = OrderLib.typedDataHash(domainSep, OrderLib.structHash(o));
            if (_filled[digest] < o.amount) _filled[digest] = o.amount;
            uint64 requestId = _queue(RequestKind.CancelOrder, o.subaccount, 0, 0);
            _requestData[requestId] = digest;
            emit OrderCancelled(requestId, o.subaccount, digest);
        }
    }

    function setLinkedSigner(bytes32 subaccount, address signer, uint64 expiry)
        external
        nonReentrant
        onlyOwnerOf(subaccount)
        notTheFund(subaccount)
        returns (uint64 requestId)
    {
        if (signer == address(0)) {
            delete _linkedSigner[subaccount];
            expiry = 0;
        } else {
            _linkedSigner[subaccount] = LinkedSigner({signer: signer, expiry: expiry});
        }
        requestId = _queue(RequestKind.LinkedSigner, subaccount, 0, expiry);
        _requestData[requestId] = bytes32(uint256(uint160(signer)));
        emit LinkedSignerSet(requestId, subaccount, signer, expiry);
    }

    function liquidate(bytes32 liquidator, bytes32 subaccount, uint32 marketId, uint128 amount)
        external
        nonReentrant
        onlyOwnerOf(liquidator)
        notTheFund(liquidator)
        returns (uint64 requestId)
    {
        requestId = _queue(RequestKind.Liquidation, liquidator, marketId, amount);
        _requestData[requestId] = subaccount;
    }

    /// Pays the caller what a withdrawal could not pay it (the token refused the transfer), to
    /// `to` — another address, if the caller's own is blocked by the token. Also in frozen mode.
    function claim(uint32 assetId, address to) external nonReentrant returns (uint256 amount) {
        amount = _claimable[msg.sender][assetId];
        if (amount == 0 || to == address(0)) revert InvalidAmount();
        _claimable[msg.sender][assetId] = 0;
        _claimableTotal[assetId] -= amount;
        IERC20(_asset(assetId).token).safeTransfer(to, amount);
        emit Claimed(msg.sender, assetId, to, amount);
    }

    function minNonce(bytes32 subaccount) external view returns (uint64) {
        return uint64(_headers[subaccount] & MASK64);
    }

    /// Token units → X18, exact; 0 or more than uint128 is InvalidAmount.
    function _toX18(uint256 tokenAmount, uint8 decimals) private pure returns (uint128) {
        uint256 scale = MathX18.scale(decimals);
        if (tokenAmount == 0 || tokenAmount > type(uint128).max / scale) revert InvalidAmount();
        return uint128(tokenAmount * scale);
    }

}

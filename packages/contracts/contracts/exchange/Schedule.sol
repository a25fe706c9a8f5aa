// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ExchangeStorage} from "./ExchangeStorage.sol";

/// @title Who may settle a batch (spec/contracts.md, the leader schedule): the operators take
///        turns by epoch, and the next in turn takes over from a leader that stalls.
/// @notice Epoch `e = floor(block.timestamp / epochSeconds)` is led by `operators[e % n]`, in the
///         order the operators were registered. When no batch has landed for
///         `k × takeoverSeconds`, the operator standing k places after the epoch's leader may
///         settle, and by settling leads the rest of the epoch: the one it took over from may not
///         settle again in it (one writer at a time), and a taker that stalls is taken over the
///         same way, counted from it. Honest operators that follow this never race for a batch:
///         the nearest in turn goes first, the next only if it too is silent. A revoked operator
///         is refused at once, and revoking one moves the schedule of everyone after it.
///         Runs in the admin code (by delegatecall, as all of Registry); settleBatch asks it first.
abstract contract Schedule is ExchangeStorage {
    /// At most this many operators: every schedule walk is bounded.
    uint256 internal constant MAX_OPERATORS = 16;

    /// Admits `sender` to settle the batch it sent now, or reverts (NotOperator, NotLeader); a
    /// takeover is recorded. Only the Exchange itself calls this, from settleBatch.
    function admitSettler(address sender) external {
        if (msg.sender != address(this)) revert NotOperator();
        uint256 slot = _operatorSlot[sender];
        if (slot == 0) revert NotOperator();
        uint256 epoch = block.timestamp / _epochSeconds;
        uint256 n = _operators.length;
        uint256 rank = (slot - 1 + n - _leaderIndex(epoch, n)) % n;
        if (rank == 0) return;
        if (block.timestamp < uint256(_lastSettledAt) + rank * _takeoverSeconds) revert NotLeader();
        _actingLeader = sender;
        _actingEpoch = uint64(epoch);
        emit LeaderTookOver(uint64(epoch), sender);
    }

    /// The operators in schedule order.
    function operators() external view returns (address[] memory) {
        return _operators;
    }

    /// The operator leading at block time `t` (the one that took over, if `t` falls in the epoch
    /// taken over); address(0) when there are no operators.
    function leaderAt(uint64 t) external view returns (address) {
        uint256 n = _operators.length;
        if (n == 0) return address(0);
        return _operators[_leaderIndex(t / _epochSeconds, n)];
    }

    /// The schedule's settings and state: epoch length, takeover delay, block time of the last
    /// batch, and the last takeover (its operator and epoch; none yet: address(0)).
    function schedule()
        external
        view
        returns (uint64 epochSeconds, uint64 takeoverSeconds, uint64 lastSettledAt, address actingLeader, uint64 actingEpoch)
    {
        return (_epochSeconds, _takeoverSeconds, _lastSettledAt, _actingLeader, _actingEpoch);
    }

    /// The index in `_operators` of epoch `epoch`'s leader, of `n > 0` operators.
    function _leaderIndex(uint256 epoch, uint256 n) internal view returns (uint256) {
        if (_actingEpoch == epoch) {
            uint256 slot = _operatorSlot[_actingLeader];
            if (slot != 0) return slot - 1;
        }
        return epoch % n;
    }

    /// Registers or revokes an operator; a revoked one leaves the schedule at once, the ones
    /// after it move up a place.
    function _setOperator(address operator, bool enabled) internal {
        uint256 slot = _operatorSlot[operator];
        if (enabled) {
            if (slot != 0) return;
            if (operator == address(0) || _operators.length >= MAX_OPERATORS) revert InvalidParams();
            _operators.push(operator);
            _operatorSlot[operator] = _operators.length;
        } else {
            if (slot == 0) return;
            uint256 n = _operators.length;
            for (uint256 i = slot; i < n; ++i) {
                address next = _operators[i];
                _operators[i - 1] = next;
                _operatorSlot[next] = i;
            }
            _operators.pop();
            delete _operatorSlot[operator];
        }
        emit OperatorSet(operator, enabled);
    }
}

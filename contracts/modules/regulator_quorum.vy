# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title regulator_quorum: confirmations of the regulators' lasting actions
@custom:contract-name regulator_quorum
@license MIT
@notice A lasting regulator action (revoking an organization, granting or
        removing the regulator role, reassigning a product, lifting a recall,
        moving an organization to a successor...) is carried out only when a
        quorum of the active regulators asked for it: `active // 2 + 1`, so one
        regulator alone acts alone, two need both, three need two. Every
        regulator calls the same governed function with the same arguments;
        each call confirms the action's id and the last one carries it out.
@dev The module keeps the bookkeeping only; the contract that `initializes:`
     it checks who may confirm (an active regulator, not the action's
     target), counts the confirmers that are still active regulators (a
     confirmation by a regulator suspended since no longer counts) and reverts
     with its own module-prefixed messages.

     An action is named in two steps:
       - its request: keccak256(abi_encode(selector, arguments...)), the
         function's selector standing for its name;
       - its id: keccak256(abi_encode(request, round)), where `round` counts
         how many times that same request was carried out before, so the same
         action (recall, reinstate, recall again...) can be asked for again.
"""


# @dev The most confirmations one action keeps: a quorum above it (more than
#      126 active regulators) could never be reached.
MAX_CONFIRMATIONS: constant(uint256) = 64


# @dev How many times each request was carried out.
_rounds: HashMap[bytes32, uint256]
# @dev The regulators that confirmed each pending action id.
_confirmers: HashMap[bytes32, DynArray[address, MAX_CONFIRMATIONS]]


event ActionConfirmed:
    action: indexed(bytes32)
    regulator: indexed(address)
    confirmations: uint256
    required: uint256


@external
@view
def action_id(request: bytes32) -> bytes32:
    """
    @dev The id the next confirmation of `request` counts towards.
    @param request keccak256(abi_encode(selector, arguments...)).
    @return bytes32 keccak256(abi_encode(request, round)).
    """
    return self._action_id(request)


@external
@view
def confirmers(action: bytes32) -> DynArray[address, MAX_CONFIRMATIONS]:
    """
    @dev The regulators that confirmed the pending action `action` (empty once
         it was carried out).
    @param action The action id, as `ActionConfirmed` logs it.
    @return DynArray The confirmers, in order.
    """
    return self._confirmers[action]


@internal
@view
def _action_id(request: bytes32) -> bytes32:
    """
    @dev keccak256(abi_encode(request, round)).
    """
    return keccak256(abi_encode(request, self._rounds[request]))


@internal
@pure
def _required(active_regulators: uint256) -> uint256:
    """
    @dev The quorum: a majority of the active regulators.
    """
    return active_regulators // 2 + 1


@internal
@view
def _has_confirmed(action: bytes32, regulator: address) -> bool:
    """
    @dev Whether `regulator` already confirmed `action`.
    """
    for confirmer: address in self._confirmers[action]:
        if confirmer == regulator:
            return True
    return False


@internal
def _add(action: bytes32, regulator: address) -> DynArray[address, MAX_CONFIRMATIONS]:
    """
    @dev Records `regulator`'s confirmation of `action`; returns every
         confirmer so far. The caller checked `_has_confirmed` first.
    """
    self._confirmers[action].append(regulator)
    return self._confirmers[action]


@internal
def _log(action: bytes32, regulator: address, confirmations: uint256, required: uint256):
    """
    @dev Emits `ActionConfirmed`.
    """
    log ActionConfirmed(action=action, regulator=regulator, confirmations=confirmations, required=required)


@internal
def _close(request: bytes32, action: bytes32):
    """
    @dev Forgets the confirmations of `action`, carried out, and moves
         `request` to its next round.
    """
    self._confirmers[action] = []
    self._rounds[request] += 1

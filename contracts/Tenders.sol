// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICustody} from "./interfaces/ICustody.sol";
import {IParticipants} from "./interfaces/IParticipants.sol";
import {IResources} from "./interfaces/IResources.sol";
import {ITenders} from "./interfaces/ITenders.sol";

/// @title Tenders
/// @notice The tender escrow: sealed bids (commit, reveal) on a medical organization's need,
/// award to the lowest price, performance security, delivery proved on `Custody`, payment
/// released on acceptance, every payment pulled. See {ITenders}.
/// @dev Written in Solidity rather than Vyper for OpenZeppelin's audited pieces that hold the
/// money and the signatures: {EIP712} (domain separator cached, rebuilt on a fork),
/// {SignatureChecker} (ECDSA with the malleability and zero-address checks, and ERC-1271 for
/// organizations whose wallet is a contract, a multisig), {SafeERC20}, and the ERC-2612
/// permit pattern that survives a front-run permit. No owner, no upgrade path: who may act is
/// asked of `Participants`, what exists of `Resources`, what was delivered of `Custody`.
///
/// Nothing loops over bids. The leader (lowest price, then lowest sequence) is kept up to date
/// at each reveal, so the award reads it; securities forfeited by unrevealed bids at the award
/// are (commitments - reveals) × bidSecurity.
///
/// Money: the contract's token balance is always Σ `owed` + Σ `held`. `held` is not stored: it
/// follows from a tender's status and counters (see {held}): the escrow is the maximum price
/// while OPEN and the contract price while AWARDED or CONTRACTED; the performance security is
/// held while CONTRACTED; bid securities are held for every commitment not yet released
/// (`securitiesReleased` counts those claimed, returned or forfeited).
///
/// Checks-effects-interactions throughout: token transfers come after every state change (a
/// permit, before them, only sets an allowance); `Participants`, `Resources`, `Custody` and an
/// ERC-1271 signer are only read (static calls).
/// The two functions that send tokens out (`claimBidSecurity`, `withdraw`) also hold a
/// transient-storage reentrancy guard, which costs about 300 gas.
///
/// Storage is packed for the hot paths (gas of one cold slot written: 22,100; rewritten:
/// 5,000), so that fresh, a commit stays under 80,000 gas with its token transfer, a reveal
/// under 60,000 and an award under 120,000 whatever the number of bids:
/// - a tender is seven slots ({TenderData}), none of them zero after the creation;
///   `commitBid` reads and writes only the first (status, deadlines, commitment count, bid
///   security, a 16-bit tag of the hospital), `revealBid` the first three and the seventh
///   (the runner-up, whose price and sequence it reads from its bid), `award` six;
/// - a bid is one slot: sealed, the commitment's high 224 bits, a flags byte (zero) and a
///   24-bit sequence; revealed, the price replaces the commitment and the flags say so. The
///   truncated commitment stays binding: opening it two ways needs a 224-bit collision of
///   keccak256, about 2**112 work, the security level of a 224-bit hash. 2**24 - 1 bids per
///   tender is beyond reach (80,000 gas each: 1.3 × 10**12 gas);
/// - times are uint40 (good until year 36,812), amounts uint128 (kopecks), quantities uint64.
contract Tenders is ITenders, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The MEDICAL_ORGANIZATION role flag of `Participants`: who publishes tenders.
    uint256 public constant MEDICAL_ORGANIZATION_ROLE = 8;
    /// @notice The SUPPLIER role flag of `Participants`: who bids.
    uint256 public constant SUPPLIER_ROLE = 32;

    /// @inheritdoc ITenders
    uint256 public constant MAX_ACCEPTED_GTINS = 16;
    /// @notice Basis points in one.
    uint256 public constant BPS = 10_000;
    /// @notice The lowest bid security rate, in basis points of the maximum price (44-FZ: 0.5 %).
    uint256 public constant MIN_BID_SECURITY_BPS = 50;
    /// @notice The highest bid security rate, in basis points of the maximum price (44-FZ: 5 %).
    uint256 public constant MAX_BID_SECURITY_BPS = 500;
    /// @notice The highest performance security rate, in basis points of the price (44-FZ: 30 %).
    uint256 public constant MAX_PERFORMANCE_SECURITY_BPS = 3_000;
    /// @notice The shortest time a winner is given to post its performance security.
    uint256 public constant MIN_SECURITY_WINDOW = 1 hours;
    /// @inheritdoc ITenders
    /// @dev 44-FZ (Art. 49) gives an electronic auction at least seven days between the notice
    /// and the bid deadline (fifteen above 300 million rubles, which the hospital may choose).
    uint256 public constant MIN_BIDDING_PERIOD = 7 days;
    /// @inheritdoc ITenders
    /// @dev Two days, the commission's time to review the bids after the bid deadline in an
    /// electronic auction (44-FZ Art. 49): a bidder's wallet has two days of blocks to reveal,
    /// whatever the chain's block time.
    uint256 public constant MIN_REVEAL_PERIOD = 2 days;
    /// @inheritdoc ITenders
    /// @dev Ten days, the notice period of a customer's unilateral termination (44-FZ Art. 95
    /// part 13), counted after `Custody.RECEIPT_PERIOD` has settled every delivery shipped in time.
    uint256 public constant ACCEPTANCE_GRACE = 10 days;
    /// @inheritdoc ITenders
    /// @dev Seven days: 44-FZ gives the customer five working days after the results to send
    /// the winner the contract, and a weekend may fall inside them.
    uint256 public constant AWARD_WINDOW = 7 days;

    /// @notice The `TenderFailed` reason of a tender that had no valid revealed bid.
    uint8 public constant FAILED_NO_VALID_BID = 1;
    /// @notice The `TenderFailed` reason of a tender whose winner (and runner-up, when there was
    /// one) posted no performance security.
    uint8 public constant FAILED_NO_SECURITY = 2;

    /// @notice The EIP-712 type of a relayed bid.
    bytes32 public constant BID_TYPEHASH =
        keccak256("Bid(uint256 tenderId,address bidder,bytes32 commitment,uint256 deadline)");

    /// @dev The IN_TRANSIT and RECEIVED shipment statuses of `Custody`, and the ACTIVE batch
    /// status of `Resources`.
    uint8 private constant _SHIPMENT_IN_TRANSIT = 1;
    uint8 private constant _SHIPMENT_RECEIVED = 2;
    uint8 private constant _BATCH_ACTIVE = 1;

    /// @dev A bid's slot: bits 0-23 the sequence, 24-31 the flags; bits 32-255 hold the
    /// commitment's high 224 bits while the flags are zero (sealed), the price once REVEALED.
    uint256 private constant _SEQUENCE_MASK = (1 << 24) - 1;
    uint256 private constant _REVEALED = 1 << 24;
    uint256 private constant _CLAIMED = 1 << 25;
    uint256 private constant _FLAGS_MASK = 0xff << 24;
    uint256 private constant _COMMITMENT_MASK = ~uint256(0xffffffff);
    uint256 private constant _PRICE_SHIFT = 32;

    /// @inheritdoc ITenders
    IParticipants public immutable participants;
    /// @inheritdoc ITenders
    IResources public immutable resources;
    /// @inheritdoc ITenders
    ICustody public immutable custody;
    /// @inheritdoc ITenders
    IERC20 public immutable token;

    /// @dev A tender as stored; the field order is the slot order. Every slot holds a field
    /// that is never zero from the creation on (a deadline, an address, the quantity), so that
    /// no later step pays for a fresh slot.
    struct TenderData {
        // slot 0: all that `commitBid` reads and writes; `hospitalTag` is the hospital address's
        // low 16 bits, so that refusing a hospital's bid on its own tender reads the hospital's
        // slot only for one bidder in 65,536 (a commit stays under 80,000 gas)
        Status status;
        uint40 bidDeadline;
        uint40 revealDeadline;
        uint24 commitments;
        uint128 bidSecurity;
        uint16 hospitalTag;
        // slot 1: the leader, kept by `revealBid`, and the window `award` needs
        address leader;
        uint24 leaderSequence;
        uint24 reveals;
        uint32 securityWindow;
        // slot 2: the leading (then contract) price and the maximum price
        uint128 price;
        uint128 maxPrice;
        // slot 3
        address hospital;
        uint16 performanceSecurityBps;
        uint24 securitiesReleased;
        uint32 minResidualShelfLife;
        // slot 4: the need and its delivery
        uint64 gtin;
        uint64 quantity;
        uint64 delivered;
        // slot 5
        uint128 performanceSecurity;
        uint40 deliveryDeadline;
        uint40 securityDeadline;
        // slot 6: the runner-up (its price and sequence are in its bid's slot), kept by
        // `revealBid`; when the contract was concluded; `live` keeps the slot from ever being
        // zero, so that the reveal that first names a runner-up pays 5,000 gas, not 22,100.
        address runnerUp;
        uint40 concludedAt;
        bool live;
    }

    uint256 private _tenderCount;
    mapping(uint256 tenderId => TenderData) private _tenders;
    /// @dev See the bid slot layout above (`_SEQUENCE_MASK` and after).
    mapping(uint256 tenderId => mapping(address bidder => uint256 slot)) private _bids;
    /// @dev The accepted GTINs of a tender published as a specification (its `gtin` is 0).
    mapping(uint256 tenderId => mapping(uint256 gtin => bool)) private _accepted;
    mapping(uint256 tenderId => mapping(uint256 shipmentId => bool)) private _counted;
    mapping(address account => uint256 amount) private _owed;

    /// @param participants_ The registry asked who may act.
    /// @param resources_ The registry of products and batches.
    /// @param custody_ The custody ledger deliveries are checked against.
    /// @param token_ The payment token (ERC-20 with ERC-2612 permits).
    /// @dev Requirements: no zero address ({ZeroAddress}); the chain has transient storage
    /// (EIP-1153, which the reentrancy guard uses: the deployment fails without it, rather than
    /// every withdrawal later); `custody_` and `resources_` are built on `participants_`, and
    /// `resources_` tells `custody_` of its recalls ({ContractsNotWired}).
    constructor(IParticipants participants_, IResources resources_, ICustody custody_, IERC20 token_)
        EIP712("MedChain Tenders", "1")
    {
        assembly {
            tstore(0, 1)
            tstore(0, 0)
        }
        if (
            address(participants_) == address(0) || address(resources_) == address(0)
                || address(custody_) == address(0) || address(token_) == address(0)
        ) revert ZeroAddress();
        if (
            address(custody_.participants()) != address(participants_)
                || address(custody_.resources()) != address(resources_)
                || address(resources_.participants()) != address(participants_)
                || resources_.custody() != address(custody_)
        ) revert ContractsNotWired();
        participants = participants_;
        resources = resources_;
        custody = custody_;
        token = token_;
    }

    // --- publishing --------------------------------------------------------------------------

    /// @inheritdoc ITenders
    function createTender(TenderParams calldata params) external returns (uint256 tenderId) {
        tenderId = _create(params);
        token.safeTransferFrom(msg.sender, address(this), params.maxPrice);
    }

    /// @inheritdoc ITenders
    function createTenderWithPermit(TenderParams calldata params, Permit calldata permit)
        external
        returns (uint256 tenderId)
    {
        _permit(msg.sender, params.maxPrice, permit);
        tenderId = _create(params);
        token.safeTransferFrom(msg.sender, address(this), params.maxPrice);
    }

    /// @inheritdoc ITenders
    function cancel(uint256 tenderId) external {
        TenderData storage t = _tenderIn(tenderId, Status.OPEN);
        _checkHospital(tenderId, t);
        if (block.timestamp > t.bidDeadline) revert BiddingClosed(tenderId, t.bidDeadline);

        t.status = Status.CANCELLED;
        uint256 refund = t.maxPrice;
        _owed[msg.sender] += refund;
        emit TenderCancelled(tenderId, refund);
    }

    // --- bidding -----------------------------------------------------------------------------

    /// @inheritdoc ITenders
    function commitBid(uint256 tenderId, bytes32 commitment) external {
        _commit(tenderId, msg.sender, commitment);
    }

    /// @inheritdoc ITenders
    /// @dev The signature is checked with {SignatureChecker}: an EOA's ECDSA signature, or an
    /// ERC-1271 contract wallet's approval.
    function commitBidBySig(
        uint256 tenderId,
        address bidder,
        bytes32 commitment,
        uint256 deadline,
        bytes calldata signature,
        Permit calldata permit
    ) external {
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        bytes32 digest = bidDigest(tenderId, bidder, commitment, deadline);
        if (!SignatureChecker.isValidSignatureNowCalldata(bidder, digest, signature)) {
            revert InvalidSignature(bidder);
        }
        _permit(bidder, _tenders[tenderId].bidSecurity, permit);
        _commit(tenderId, bidder, commitment);
    }

    /// @inheritdoc ITenders
    function revealBid(uint256 tenderId, address bidder, uint256 price, bytes32 salt) external {
        TenderData storage t = _tenderIn(tenderId, Status.OPEN);
        uint256 bidDeadline = t.bidDeadline;
        uint256 revealDeadline = t.revealDeadline;
        if (block.timestamp <= bidDeadline || block.timestamp > revealDeadline) {
            revert NotRevealPeriod(tenderId, bidDeadline, revealDeadline);
        }
        uint256 slot = _bids[tenderId][bidder];
        if (slot == 0) revert NoBid(tenderId, bidder);
        if (slot & _FLAGS_MASK != 0) revert AlreadyRevealed(tenderId, bidder);
        if ((uint256(commitmentOf(tenderId, bidder, price, salt)) ^ slot) & _COMMITMENT_MASK != 0) {
            revert CommitmentMismatch(tenderId, bidder);
        }
        uint256 maxPrice = t.maxPrice;
        if (price == 0 || price > maxPrice) revert InvalidPrice(tenderId, price, maxPrice);

        uint256 sequence = slot & _SEQUENCE_MASK;
        // price <= maxPrice < 2**128: it fits above the flags.
        _bids[tenderId][bidder] = (price << _PRICE_SHIFT) | _REVEALED | sequence;
        address leader = t.leader;
        bool leading = leader == address(0) || price < t.price || (price == t.price && sequence < t.leaderSequence);
        if (leading) {
            // The leader it displaces becomes the runner-up: it was ahead of every other bid.
            if (leader != address(0)) t.runnerUp = leader;
            t.leader = bidder;
            t.leaderSequence = uint24(sequence);
            t.price = uint128(price);
        } else {
            address runnerUp = t.runnerUp;
            if (runnerUp == address(0)) {
                t.runnerUp = bidder;
            } else {
                uint256 other = _bids[tenderId][runnerUp];
                uint256 otherPrice = other >> _PRICE_SHIFT;
                if (price < otherPrice || (price == otherPrice && sequence < other & _SEQUENCE_MASK)) {
                    t.runnerUp = bidder;
                }
            }
        }
        unchecked {
            // reveals <= commitments < 2**24.
            t.reveals += 1;
        }
        emit BidRevealed(tenderId, bidder, price, leading);
    }

    // --- award and contract ------------------------------------------------------------------

    /// @inheritdoc ITenders
    /// @dev O(1): the leader is already known, and the unrevealed bids are counted, not visited.
    ///
    /// Why anyone may award once the hospital's window is over: the award holds no choice (the
    /// lowest revealed price wins, and the contract knows it), so anyone's award is the very
    /// award the hospital owes; without it a hospital that never acts would lock its escrow
    /// and every bid security for good. The other way out, bidders and hospital taking their
    /// money back, was not taken: it would let a hospital void a tender whose result it
    /// dislikes just by waiting. The window keeps the hospital's right to award first, and
    /// `createTender` leaves the winner its security window and time to deliver after it; the
    /// leader may award itself as soon as the window closes, so no one can shorten that time.
    function award(uint256 tenderId) external {
        TenderData storage t = _tenderIn(tenderId, Status.OPEN);
        uint256 revealDeadline = t.revealDeadline;
        if (block.timestamp <= revealDeadline) revert RevealNotOver(tenderId, revealDeadline);
        address hospital = t.hospital;
        if (msg.sender != hospital && block.timestamp <= revealDeadline + AWARD_WINDOW) {
            revert AwardReservedToHospital(tenderId, msg.sender, revealDeadline + AWARD_WINDOW);
        }

        uint256 commitments = t.commitments;
        uint256 reveals = t.reveals;
        uint256 maxPrice = t.maxPrice;
        uint256 forfeited = (commitments - reveals) * t.bidSecurity;
        // Every unrevealed bid's security goes to the hospital now.
        t.securitiesReleased = uint24(commitments - reveals);
        address winner = t.leader;
        if (winner == address(0)) {
            t.status = Status.FAILED;
            _owed[hospital] += maxPrice + forfeited;
            emit TenderFailed(tenderId, FAILED_NO_VALID_BID, maxPrice + forfeited);
            return;
        }

        // An award later than the hospital's window leaves the winner as long to deliver as an
        // award on time would have: the delivery deadline moves by the delay.
        uint256 awardDue = revealDeadline + AWARD_WINDOW;
        if (block.timestamp > awardDue) t.deliveryDeadline += uint40(block.timestamp - awardDue);
        t.status = Status.AWARDED;
        // The escrow keeps the runner-up's price (it is at least the winner's) until the
        // contract is concluded: the contract may yet pass to the runner-up at that price.
        uint256 refund = maxPrice - _reserve(tenderId, t);
        if (refund + forfeited != 0) _owed[hospital] += refund + forfeited;
        _awardTo(tenderId, t, winner, t.price, refund, forfeited);
    }

    /// @inheritdoc ITenders
    function postPerformanceSecurity(uint256 tenderId) external {
        _postPerformanceSecurity(tenderId);
    }

    /// @inheritdoc ITenders
    function postPerformanceSecurityWithPermit(uint256 tenderId, Permit calldata permit) external {
        _permit(msg.sender, _tenders[tenderId].performanceSecurity, permit);
        _postPerformanceSecurity(tenderId);
    }

    /// @inheritdoc ITenders
    function failUnsecured(uint256 tenderId) external {
        TenderData storage t = _tenderIn(tenderId, Status.AWARDED);
        uint256 deadline = t.securityDeadline;
        if (block.timestamp <= deadline) revert SecurityDeadlineNotPassed(tenderId, deadline);

        t.securitiesReleased += 1; // the winner's bid security, forfeited
        uint256 forfeited = t.bidSecurity;
        address hospital = t.hospital;
        address failed = t.leader;
        address runnerUp = t.runnerUp;
        if (runnerUp != address(0)) {
            // The contract passes to the next price, whose bid security was kept for this.
            // The failed winner's bid security is forfeited: it may never be claimed.
            _bids[tenderId][failed] |= _CLAIMED;
            uint256 slot = _bids[tenderId][runnerUp];
            uint256 price = slot >> _PRICE_SHIFT;
            t.leader = runnerUp;
            t.leaderSequence = uint24(slot & _SEQUENCE_MASK);
            t.runnerUp = address(0);
            // The runner-up gets as long to deliver, after its security deadline, as the winner had.
            t.deliveryDeadline += uint40(block.timestamp + t.securityWindow - deadline);
            _owed[hospital] += forfeited;
            emit AwardPassedToRunnerUp(tenderId, failed, runnerUp, forfeited);
            // price <= maxPrice < 2**128.
            t.price = uint128(price);
            _awardTo(tenderId, t, runnerUp, price, 0, 0);
            return;
        }
        t.status = Status.FAILED;
        uint256 toHospital = uint256(t.price) + forfeited;
        _owed[hospital] += toHospital;
        emit TenderFailed(tenderId, FAILED_NO_SECURITY, toHospital);
    }

    // --- delivery ----------------------------------------------------------------------------

    /// @inheritdoc ITenders
    /// @dev The shipment's terms are checked against `Custody`'s digest of them, the batch's
    /// product and dates against `Resources`. A shipment counts at most the units still due.
    function acceptDelivery(uint256 tenderId, uint256 shipmentId, ICustody.ShipmentRecord calldata shipment)
        external
    {
        TenderData storage t = _tenderIn(tenderId, Status.CONTRACTED);
        address hospital = t.hospital;
        address winner = t.leader;
        if (msg.sender != hospital && msg.sender != winner) revert NotHospitalOrWinner(tenderId, msg.sender);
        if (
            shipment.tenders != address(this) || shipment.tenderId != tenderId || shipment.shipper != winner
                || shipment.consignee != hospital || shipment.shippedAt < t.concludedAt
        ) revert NotATenderDelivery(tenderId, shipmentId);
        uint8 shipmentStatus = custody.shipmentStatus(shipmentId, shipment);
        // Received, or unanswered past the receipt period (then counting it makes it the
        // hospital's: `Custody.settleUnanswered` hands a counted delivery to the consignee, and
        // the consignee may no longer reject it).
        if (
            shipmentStatus != _SHIPMENT_RECEIVED
                && (
                    shipmentStatus != _SHIPMENT_IN_TRANSIT
                        || block.timestamp <= shipment.shippedAt + custody.RECEIPT_PERIOD()
                )
        ) revert NotATenderDelivery(tenderId, shipmentId);
        if (_counted[tenderId][shipmentId]) revert DeliveryAlreadyCounted(tenderId, shipmentId);

        IResources.Batch memory batch = resources.batch_by_id(shipment.batchId);
        if (!_isAccepted(tenderId, t.gtin, batch.gtin)) revert ProductNotAccepted(tenderId, batch.gtin);
        if (batch.status != _BATCH_ACTIVE) revert BatchNotActive(tenderId, shipment.batchId, batch.status);
        uint256 required = block.timestamp + t.minResidualShelfLife;
        if (batch.expires < required) revert ShelfLifeTooShort(tenderId, batch.expires, required);

        _counted[tenderId][shipmentId] = true;
        uint256 quantity = t.quantity;
        uint256 delivered = t.delivered;
        uint256 counted = quantity - delivered;
        if (shipment.quantity < counted) counted = shipment.quantity;
        delivered += counted;
        // delivered <= quantity < 2**64.
        t.delivered = uint64(delivered);
        emit DeliveryAccepted(tenderId, shipmentId, shipment.batchId, counted, delivered);

        if (delivered == quantity) {
            t.status = Status.COMPLETED;
            uint256 price = t.price;
            uint256 performanceSecurity = t.performanceSecurity;
            _owed[winner] += price + performanceSecurity;
            emit TenderCompleted(tenderId, winner, price, performanceSecurity);
        }
    }

    /// @inheritdoc ITenders
    /// @dev The supplier is paid price × delivered / quantity, rounded down: the remainder of
    /// the division (less than a kopeck per unit) stays with the hospital.
    ///
    /// The winner may terminate too, or a hospital that never acts would keep the payment for
    /// what was delivered (and its own money) locked; the winner's termination gives the
    /// hospital exactly what its own would. Nobody else may: a hospital may choose to wait for
    /// late goods, which count until the contract is terminated.
    function terminate(uint256 tenderId) external {
        TenderData storage t = _tenderIn(tenderId, Status.CONTRACTED);
        address hospital = t.hospital;
        address winner = t.leader;
        uint256 deadline = t.deliveryDeadline;
        bool hospitalActive = participants.is_active(hospital, MEDICAL_ORGANIZATION_ROLE);
        bool forfeit = true;
        if (msg.sender == hospital) {
            if (!hospitalActive) revert ParticipantNotActive(hospital, MEDICAL_ORGANIZATION_ROLE);
            // Every delivery shipped in time is received, or counted as unanswered, by the end
            // of the receipt period; the winner then has ACCEPTANCE_GRACE to count it.
            uint256 earliest = deadline + custody.RECEIPT_PERIOD() + ACCEPTANCE_GRACE;
            if (block.timestamp <= earliest) revert DeliveriesStillDue(tenderId, earliest);
        } else if (msg.sender == winner) {
            // A hospital that may not take delivery (suspended, revoked) is at fault, not the
            // winner: it may leave at once, paid for what it delivered, its security returned.
            if (hospitalActive) {
                if (block.timestamp <= deadline) revert DeliveryNotOverdue(tenderId, deadline);
            } else {
                forfeit = false;
            }
        } else {
            revert NotHospitalOrWinner(tenderId, msg.sender);
        }

        t.status = Status.TERMINATED;
        uint256 price = t.price;
        uint256 delivered = t.delivered;
        uint256 paid = price * delivered / t.quantity;
        uint256 security = t.performanceSecurity;
        uint256 forfeited = forfeit ? security : 0;
        uint256 toHospital = price - paid + forfeited;
        uint256 toWinner = paid + security - forfeited;
        if (toWinner != 0) _owed[winner] += toWinner;
        if (toHospital != 0) _owed[hospital] += toHospital;
        emit TenderTerminated(tenderId, delivered, paid, toHospital, forfeited);
    }

    // --- payments out ------------------------------------------------------------------------

    /// @inheritdoc ITenders
    function claimBidSecurity(uint256 tenderId) external nonReentrant {
        TenderData storage t = _existing(tenderId);
        uint256 slot = _bids[tenderId][msg.sender];
        if (slot == 0) revert NoBid(tenderId, msg.sender);
        Status status = t.status;
        bool claimable;
        if (slot & _CLAIMED == 0) {
            if (status == Status.CANCELLED) {
                claimable = true;
            } else if (status != Status.OPEN) {
                // After the award (or its failure): revealed bids other than the winner's, and
                // the runner-up's only once the contract no longer waits for a security.
                claimable = slot & _REVEALED != 0 && msg.sender != t.leader
                    && (status != Status.AWARDED || msg.sender != t.runnerUp);
            }
        }
        if (!claimable) revert BidSecurityNotClaimable(tenderId, msg.sender);

        // A sealed bid of a cancelled tender drops its commitment: the flags are no longer zero.
        _bids[tenderId][msg.sender] = slot & _FLAGS_MASK == 0 ? _CLAIMED | (slot & _SEQUENCE_MASK) : slot | _CLAIMED;
        t.securitiesReleased += 1;
        uint256 amount = t.bidSecurity;
        emit BidSecurityClaimed(tenderId, msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ITenders
    function withdraw() external nonReentrant {
        uint256 amount = _owed[msg.sender];
        if (amount == 0) revert NothingOwed(msg.sender);
        delete _owed[msg.sender];
        emit Withdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ITenders
    function claimOwedOf(address predecessor) external {
        if (participants.successor(predecessor) != msg.sender) revert NotSuccessor(predecessor, msg.sender);
        uint256 amount = _owed[predecessor];
        if (amount == 0) revert NothingOwed(predecessor);
        delete _owed[predecessor];
        _owed[msg.sender] += amount;
        emit OwedMovedToSuccessor(predecessor, msg.sender, amount);
    }

    // --- views -------------------------------------------------------------------------------

    /// @inheritdoc ITenders
    function tenderCount() external view returns (uint256) {
        return _tenderCount;
    }

    /// @inheritdoc ITenders
    function tender(uint256 tenderId) external view returns (Tender memory view_) {
        TenderData storage t = _tenders[tenderId];
        view_.hospital = t.hospital;
        view_.status = t.status;
        view_.gtin = t.gtin;
        view_.quantity = t.quantity;
        view_.maxPrice = t.maxPrice;
        view_.bidDeadline = t.bidDeadline;
        view_.revealDeadline = t.revealDeadline;
        view_.deliveryDeadline = t.deliveryDeadline;
        view_.bidSecurity = t.bidSecurity;
        view_.performanceSecurityBps = t.performanceSecurityBps;
        view_.minResidualShelfLife = t.minResidualShelfLife;
        view_.securityWindow = t.securityWindow;
        view_.commitments = t.commitments;
        view_.reveals = t.reveals;
        view_.winner = t.leader;
        view_.price = t.price;
        view_.performanceSecurity = t.performanceSecurity;
        view_.securityDeadline = t.securityDeadline;
        view_.delivered = t.delivered;
        view_.runnerUp = t.runnerUp;
        view_.concludedAt = t.concludedAt;
    }

    /// @inheritdoc ITenders
    function stage(uint256 tenderId) external view returns (Stage) {
        TenderData storage t = _tenders[tenderId];
        Status status = t.status;
        if (status == Status.NONE) return Stage.NONE;
        if (status != Status.OPEN) return Stage(uint8(status) + 2);
        if (block.timestamp <= t.bidDeadline) return Stage.BIDDING;
        if (block.timestamp <= t.revealDeadline) return Stage.REVEALING;
        return Stage.AWAITING_AWARD;
    }

    /// @inheritdoc ITenders
    function bid(uint256 tenderId, address bidder) external view returns (Bid memory view_) {
        uint256 slot = _bids[tenderId][bidder];
        if (slot == 0) return view_;
        view_.sequence = slot & _SEQUENCE_MASK;
        if (slot & _FLAGS_MASK == 0) view_.commitment = bytes32(slot & _COMMITMENT_MASK);
        view_.revealed = slot & _REVEALED != 0;
        if (view_.revealed) view_.price = slot >> _PRICE_SHIFT;
        Status status = _tenders[tenderId].status;
        // Claimed; or, once awarded or failed, forfeited unrevealed, or the winner's (returned
        // with the performance security, or forfeited by a failure to post it).
        view_.securityReleased = slot & _CLAIMED != 0
            || (
                status != Status.OPEN && status != Status.CANCELLED
                    && (!view_.revealed || (bidder == _tenders[tenderId].leader && status != Status.AWARDED))
            );
    }

    /// @inheritdoc ITenders
    function isAccepted(uint256 tenderId, uint256 gtin) external view returns (bool) {
        return _isAccepted(tenderId, _tenders[tenderId].gtin, gtin);
    }

    /// @inheritdoc ITenders
    function isDeliveryCounted(uint256 tenderId, uint256 shipmentId) external view returns (bool) {
        return _counted[tenderId][shipmentId];
    }

    /// @inheritdoc ITenders
    /// @dev Derived, not stored: escrow + performance security + outstanding bid securities,
    /// as the status has them (see the contract's notes).
    function held(uint256 tenderId) external view returns (uint256 amount) {
        TenderData storage t = _tenders[tenderId];
        Status status = t.status;
        if (status == Status.OPEN) amount = t.maxPrice;
        else if (status == Status.AWARDED) amount = _reserve(tenderId, t);
        else if (status == Status.CONTRACTED) amount = uint256(t.price) + t.performanceSecurity;
        amount += uint256(t.commitments - t.securitiesReleased) * t.bidSecurity;
    }

    /// @inheritdoc ITenders
    function owed(address account) external view returns (uint256) {
        return _owed[account];
    }

    /// @inheritdoc ITenders
    function commitmentOf(uint256 tenderId, address bidder, uint256 price, bytes32 salt)
        public
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(block.chainid, address(this), tenderId, bidder, price, salt));
    }

    /// @inheritdoc ITenders
    function bidDigest(uint256 tenderId, address bidder, bytes32 commitment, uint256 deadline)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(BID_TYPEHASH, tenderId, bidder, commitment, deadline)));
    }

    // --- internals ---------------------------------------------------------------------------

    /// @dev Checks and stores a new tender; the caller moves the escrow in.
    function _create(TenderParams calldata p) private returns (uint256 tenderId) {
        if (!participants.is_active(msg.sender, MEDICAL_ORGANIZATION_ROLE)) {
            revert ParticipantNotActive(msg.sender, MEDICAL_ORGANIZATION_ROLE);
        }
        uint256 accepted = p.acceptedGtins.length;
        if (p.gtin != 0) {
            if (accepted != 0) revert InvalidParameter("acceptedGtins");
            _checkProduct(p.gtin);
        } else {
            if (bytes(p.specificationCid).length == 0) revert InvalidParameter("specificationCid");
            if (accepted == 0 || accepted > MAX_ACCEPTED_GTINS) revert InvalidParameter("acceptedGtins");
        }
        if (p.quantity == 0 || p.quantity > type(uint64).max) revert InvalidParameter("quantity");
        if (p.maxPrice == 0 || p.maxPrice > type(uint128).max) revert InvalidParameter("maxPrice");
        if (p.bidDeadline < block.timestamp + MIN_BIDDING_PERIOD) revert InvalidParameter("bidDeadline");
        if (p.revealDeadline < p.bidDeadline + MIN_REVEAL_PERIOD) revert InvalidParameter("revealDeadline");
        if (p.deliveryDeadline <= p.revealDeadline || p.deliveryDeadline > type(uint40).max) {
            revert InvalidParameter("deliveryDeadline");
        }
        if (p.bidSecurityBps < MIN_BID_SECURITY_BPS || p.bidSecurityBps > MAX_BID_SECURITY_BPS) {
            revert InvalidParameter("bidSecurityBps");
        }
        if (p.performanceSecurityBps > MAX_PERFORMANCE_SECURITY_BPS) revert InvalidParameter("performanceSecurityBps");
        if (p.minResidualShelfLife > type(uint32).max) revert InvalidParameter("minResidualShelfLife");
        if (
            p.securityWindow < MIN_SECURITY_WINDOW || p.securityWindow > type(uint32).max
                || p.revealDeadline + AWARD_WINDOW + p.securityWindow >= p.deliveryDeadline
        ) revert InvalidParameter("securityWindow");

        unchecked {
            tenderId = ++_tenderCount;
        }
        if (accepted != 0) {
            mapping(uint256 gtin => bool) storage acceptedGtins = _accepted[tenderId];
            for (uint256 i; i < accepted; ++i) {
                uint256 gtin = p.acceptedGtins[i];
                _checkProduct(gtin);
                acceptedGtins[gtin] = true;
            }
        }
        uint256 bidSecurity = p.maxPrice * p.bidSecurityBps / BPS;
        // A bid security rounded to nothing would make bids free (sybil bids at no risk).
        if (bidSecurity == 0) revert InvalidParameter("maxPrice");
        // Every cast below was range-checked above; a registered GTIN is below 10**14.
        TenderData storage t = _tenders[tenderId];
        t.status = Status.OPEN;
        t.bidDeadline = uint40(p.bidDeadline);
        t.revealDeadline = uint40(p.revealDeadline);
        t.bidSecurity = uint128(bidSecurity);
        t.maxPrice = uint128(p.maxPrice);
        t.hospital = msg.sender;
        t.hospitalTag = uint16(uint160(msg.sender));
        t.deliveryDeadline = uint40(p.deliveryDeadline);
        t.performanceSecurityBps = uint16(p.performanceSecurityBps);
        t.gtin = uint64(p.gtin);
        t.quantity = uint64(p.quantity);
        t.securityWindow = uint32(p.securityWindow);
        t.minResidualShelfLife = uint32(p.minResidualShelfLife);
        t.live = true;
        emit TenderCreated(
            tenderId,
            msg.sender,
            p.gtin,
            p.specificationCid,
            p.acceptedGtins,
            p.quantity,
            p.maxPrice,
            p.bidDeadline,
            p.revealDeadline,
            p.deliveryDeadline,
            bidSecurity,
            p.performanceSecurityBps,
            p.minResidualShelfLife,
            p.securityWindow
        );
    }

    /// @dev What the escrow holds while AWARDED: the runner-up's price when there is a runner-up
    /// (the contract may pass to it), else the winner's.
    function _reserve(uint256 tenderId, TenderData storage t) private view returns (uint256) {
        address runnerUp = t.runnerUp;
        if (runnerUp == address(0)) return t.price;
        return _bids[tenderId][runnerUp] >> _PRICE_SHIFT;
    }

    /// @dev Sets the performance security and its deadline of an award to `winner` at `price`.
    function _awardTo(
        uint256 tenderId,
        TenderData storage t,
        address winner,
        uint256 price,
        uint256 refund,
        uint256 forfeited
    ) private {
        uint256 maxPrice = t.maxPrice;
        uint256 performanceSecurity = price * t.performanceSecurityBps;
        // Anti-dumping: 25 % or more below the maximum price, 1.5 times the security
        // (one rounding, down: price × bps × 3 / 20,000).
        performanceSecurity = price * 4 <= maxPrice * 3 ? performanceSecurity * 3 / (2 * BPS) : performanceSecurity / BPS;
        uint256 securityDeadline = block.timestamp + t.securityWindow;
        t.status = Status.AWARDED;
        // At most price × 4,500 / 10,000 < 2**128; a block time plus a uint32 window stays
        // below 2**40 until the year 36,000.
        t.performanceSecurity = uint128(performanceSecurity);
        t.securityDeadline = uint40(securityDeadline);
        emit TenderAwarded(
            tenderId, winner, price, performanceSecurity, securityDeadline, t.deliveryDeadline, refund, forfeited
        );
    }

    /// @dev Records `bidder`'s sealed bid and pulls its bid security from it.
    function _commit(uint256 tenderId, address bidder, bytes32 commitment) private {
        TenderData storage t = _tenderIn(tenderId, Status.OPEN);
        uint256 bidDeadline = t.bidDeadline;
        if (block.timestamp > bidDeadline) revert BiddingClosed(tenderId, bidDeadline);
        if (commitment == bytes32(0)) revert ZeroCommitment();
        if (!participants.is_active(bidder, SUPPLIER_ROLE)) revert ParticipantNotActive(bidder, SUPPLIER_ROLE);
        if (uint16(uint160(bidder)) == t.hospitalTag && bidder == t.hospital) revert OwnTender(tenderId, bidder);
        mapping(address bidder => uint256 slot) storage bids = _bids[tenderId];
        if (bids[bidder] != 0) revert AlreadyBid(tenderId, bidder);

        // Checked: a 2**24-th bid panics (see the contract's notes).
        uint24 sequence = t.commitments + 1;
        t.commitments = sequence;
        bids[bidder] = (uint256(commitment) & _COMMITMENT_MASK) | sequence;
        uint256 bidSecurity = t.bidSecurity;
        emit BidCommitted(tenderId, bidder, commitment, sequence, msg.sender);
        token.safeTransferFrom(bidder, address(this), bidSecurity);
    }

    function _postPerformanceSecurity(uint256 tenderId) private {
        TenderData storage t = _tenderIn(tenderId, Status.AWARDED);
        address winner = t.leader;
        if (msg.sender != winner) revert NotWinner(tenderId, msg.sender);
        uint256 deadline = t.securityDeadline;
        if (block.timestamp > deadline) revert SecurityDeadlinePassed(tenderId, deadline);
        // A suspended or revoked supplier may not bind itself: the contract passes to the
        // runner-up at the deadline ({failUnsecured}).
        if (!participants.is_active(winner, SUPPLIER_ROLE)) revert ParticipantNotActive(winner, SUPPLIER_ROLE);

        // What the escrow kept for the runner-up's price goes back to the hospital.
        uint256 reserved = _reserve(tenderId, t) - t.price;
        if (reserved != 0) _owed[t.hospital] += reserved;
        t.status = Status.CONTRACTED;
        t.concludedAt = uint40(block.timestamp);
        t.securitiesReleased += 1; // the winner's bid security, owed back to it
        _owed[winner] += t.bidSecurity;
        uint256 amount = t.performanceSecurity;
        emit ContractConcluded(tenderId, winner, amount);
        token.safeTransferFrom(winner, address(this), amount);
    }

    /// @dev Applies an ERC-2612 permit of `value` from `owner` to this contract. A failure is
    /// ignored: the permit may have been used already by someone who saw it in the mempool
    /// (ERC-2612's front-running caveat); the transfer that follows then needs the allowance.
    function _permit(address owner, uint256 value, Permit calldata permit) private {
        try IERC20Permit(address(token)).permit(owner, address(this), value, permit.deadline, permit.v, permit.r, permit.s)
        {} catch {}
    }

    function _existing(uint256 tenderId) private view returns (TenderData storage t) {
        t = _tenders[tenderId];
        if (t.status == Status.NONE) revert UnknownTender(tenderId);
    }

    /// @dev The tender, which must exist and be in `expected`.
    function _tenderIn(uint256 tenderId, Status expected) private view returns (TenderData storage t) {
        t = _tenders[tenderId];
        Status status = t.status;
        if (status != expected) {
            if (status == Status.NONE) revert UnknownTender(tenderId);
            revert WrongStatus(tenderId, status);
        }
    }

    function _checkHospital(uint256 tenderId, TenderData storage t) private view {
        if (msg.sender != t.hospital) revert NotHospital(tenderId, msg.sender);
    }

    function _checkProduct(uint256 gtin) private view {
        if (resources.product(gtin).manufacturer == address(0)) revert UnknownProduct(gtin);
    }

    function _isAccepted(uint256 tenderId, uint256 tenderGtin, uint256 gtin) private view returns (bool) {
        if (gtin == 0) return false;
        return tenderGtin != 0 ? gtin == tenderGtin : _accepted[tenderId][gtin];
    }
}

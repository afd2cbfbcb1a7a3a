// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ICustody} from "./ICustody.sol";
import {IParticipants} from "./IParticipants.sol";
import {IResources} from "./IResources.sol";

/// @title ITenders
/// @notice Public procurement of medical resources on-chain, after Federal Law 44-FZ: a medical
/// organization publishes a need with its maximum price (НМЦК) and funds an escrow with it;
/// active suppliers bid sealed (commit, then reveal), from their own wallet or by an EIP-712
/// signature relayed by anyone; the lowest price wins; the winner posts performance security
/// and delivers through `Custody`; the price is paid when the goods are received.
/// @dev Money is the payment token (kopecks). Every payment out is pulled: amounts owed
/// accumulate in `owed` and leave with `withdraw`, and bid securities leave with
/// `claimBidSecurity`. At every moment the contract's token balance equals the sum of `owed`
/// over all accounts plus the sum of `held` over all tenders.
///
/// Lifecycle (`Status`): OPEN (bids until `bidDeadline`, reveals until `revealDeadline`;
/// `stage` tells the two apart) → AWARDED (the winner has until `securityDeadline` to post
/// performance security) → CONTRACTED (delivering) → COMPLETED; or FAILED (no valid bid, or
/// no security posted), TERMINATED (not delivered by `deliveryDeadline`), CANCELLED (before
/// the bid deadline).
///
/// No party can lock the money of another by doing nothing: the hospital awards first, and
/// anyone may award once `AWARD_WINDOW` has passed after the reveal deadline; anyone fails a
/// tender whose winner posted no security in time; the winner, as well as the hospital, may
/// terminate a contract not delivered in time.
interface ITenders {
    /// @notice Where a tender is. NONE: no such tender.
    enum Status {
        NONE,
        OPEN,
        AWARDED,
        CONTRACTED,
        COMPLETED,
        FAILED,
        TERMINATED,
        CANCELLED
    }

    /// @notice `Status` with OPEN split by time: BIDDING until the bid deadline, REVEALING until
    /// the reveal deadline, AWAITING_AWARD after it.
    enum Stage {
        NONE,
        BIDDING,
        REVEALING,
        AWAITING_AWARD,
        AWARDED,
        CONTRACTED,
        COMPLETED,
        FAILED,
        TERMINATED,
        CANCELLED
    }

    /// @notice What a medical organization publishes.
    /// @param gtin The product wanted; 0 when the need is a specification with accepted GTINs.
    /// @param specificationCid CID of the technical specification (required when `gtin` is 0).
    /// @param acceptedGtins The registered products that meet the specification (1 to
    /// MAX_ACCEPTED_GTINS; empty when `gtin` is not 0).
    /// @param quantity Units wanted.
    /// @param maxPrice The initial maximum contract price (НМЦК) for the whole quantity, kopecks.
    /// @param bidDeadline Last second a bid may be committed.
    /// @param revealDeadline Last second a bid may be revealed.
    /// @param deliveryDeadline Last second of delivery; after it the hospital (or the winner) may
    /// terminate.
    /// @param bidSecurityBps Bid security, in basis points of `maxPrice`: 50 to 500 (0.5–5 %).
    /// @param performanceSecurityBps Performance security, in basis points of the contract
    /// price: 0 to 3,000 (44-FZ allows up to 30 %); 1.5 times that when the price is 25 % or more
    /// below `maxPrice` (the anti-dumping rule).
    /// @param minResidualShelfLife Seconds of shelf life a delivered batch must have left when
    /// its delivery is accepted.
    /// @param securityWindow Seconds after the award within which the winner must post its
    /// performance security.
    struct TenderParams {
        uint256 gtin;
        string specificationCid;
        uint256[] acceptedGtins;
        uint256 quantity;
        uint256 maxPrice;
        uint256 bidDeadline;
        uint256 revealDeadline;
        uint256 deliveryDeadline;
        uint256 bidSecurityBps;
        uint256 performanceSecurityBps;
        uint256 minResidualShelfLife;
        uint256 securityWindow;
    }

    /// @notice A tender as `tender` returns it.
    /// @param bidSecurity The bid security every bidder posts (kopecks).
    /// @param commitments Bids committed; `reveals` of them revealed with a valid price.
    /// @param winner The lowest revealed bidder so far (after the award: the winner).
    /// @param price The lowest revealed price so far (after the award: the contract price).
    /// @param performanceSecurity Set at the award.
    /// @param securityDeadline Set at the award: last second to post performance security.
    /// @param delivered Units delivered and accepted.
    /// @param runnerUp The second-lowest revealed bidder (zero when none, and once the contract
    /// is concluded or has passed to it): the contract passes to it if the winner posts no
    /// security.
    /// @param concludedAt When the performance security was posted (0 before): only deliveries
    /// shipped from then on count.
    struct Tender {
        address hospital;
        Status status;
        uint256 gtin;
        uint256 quantity;
        uint256 maxPrice;
        uint256 bidDeadline;
        uint256 revealDeadline;
        uint256 deliveryDeadline;
        uint256 bidSecurity;
        uint256 performanceSecurityBps;
        uint256 minResidualShelfLife;
        uint256 securityWindow;
        uint256 commitments;
        uint256 reveals;
        address winner;
        uint256 price;
        uint256 performanceSecurity;
        uint256 securityDeadline;
        uint256 delivered;
        address runnerUp;
        uint256 concludedAt;
    }

    /// @notice A bid as `bid` returns it.
    /// @param commitment While the bid is sealed, the high 224 bits of
    /// keccak256(abi.encode(tenderId, bidder, price, salt)) as committed (its low 32 bits read
    /// zero: a bid is one storage slot, and the commitment shares it with the sequence). Zero
    /// once the bid is revealed or its security claimed, and when there is no bid (`sequence`
    /// is then 0 too).
    /// @param sequence The bid's place in the tender's commit order, from 1 (0: no bid): ties go
    /// to the lower.
    /// @param revealed Whether it was revealed with a valid price; `price` is then that price.
    /// @param securityReleased Whether its bid security left the escrow (returned or forfeited).
    struct Bid {
        bytes32 commitment;
        uint256 sequence;
        bool revealed;
        uint256 price;
        bool securityReleased;
    }

    /// @notice An EIP-2612 permit signature for the payment token (its spender is this contract).
    struct Permit {
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    error ZeroAddress();
    /// @notice `account` is not an active organization holding `role` (a `Participants` flag).
    error ParticipantNotActive(address account, uint256 role);
    /// @notice A tender parameter is out of range; `parameter` names it.
    error InvalidParameter(string parameter);
    /// @notice `gtin` is not a product registered in `Resources`.
    error UnknownProduct(uint256 gtin);
    error UnknownTender(uint256 tenderId);
    /// @notice The tender is in `status`, not the one the call needs.
    error WrongStatus(uint256 tenderId, Status status);
    /// @notice `account` is not the tender's hospital.
    error NotHospital(uint256 tenderId, address account);
    /// @notice Until `until` (the reveal deadline plus `AWARD_WINDOW`) only the hospital may
    /// award; anyone may after it.
    error AwardReservedToHospital(uint256 tenderId, address account, uint256 until);
    /// @notice `account` is not the tender's winner.
    error NotWinner(uint256 tenderId, address account);
    /// @notice `account` is neither the tender's hospital nor its winner.
    error NotHospitalOrWinner(uint256 tenderId, address account);
    /// @notice The bid deadline `deadline` has passed.
    error BiddingClosed(uint256 tenderId, uint256 deadline);
    /// @notice Reveals are accepted from the bid deadline (exclusive) to the reveal deadline.
    error NotRevealPeriod(uint256 tenderId, uint256 opens, uint256 closes);
    /// @notice The reveal deadline `deadline` has not passed yet.
    error RevealNotOver(uint256 tenderId, uint256 deadline);
    /// @notice The bidder already committed to this tender.
    error AlreadyBid(uint256 tenderId, address bidder);
    error NoBid(uint256 tenderId, address bidder);
    error ZeroCommitment();
    error AlreadyRevealed(uint256 tenderId, address bidder);
    /// @notice The price and salt do not open the bidder's commitment.
    error CommitmentMismatch(uint256 tenderId, address bidder);
    /// @notice The price is 0 or above the maximum price.
    error InvalidPrice(uint256 tenderId, uint256 price, uint256 maxPrice);
    /// @notice The EIP-712 bid signature is past its `deadline`.
    error SignatureExpired(uint256 deadline);
    /// @notice The EIP-712 bid signature is not the bidder's.
    error InvalidSignature(address bidder);
    /// @notice The performance security deadline passed / has not passed yet.
    error SecurityDeadlinePassed(uint256 tenderId, uint256 deadline);
    error SecurityDeadlineNotPassed(uint256 tenderId, uint256 deadline);
    /// @notice The delivery deadline has not passed yet.
    error DeliveryNotOverdue(uint256 tenderId, uint256 deadline);
    /// @notice The shipment is not a received shipment of this tender from its winner to its
    /// hospital, as `Custody` knows it.
    error NotATenderDelivery(uint256 tenderId, uint256 shipmentId);
    error DeliveryAlreadyCounted(uint256 tenderId, uint256 shipmentId);
    /// @notice The delivered batch's product is not one the tender accepts.
    error ProductNotAccepted(uint256 tenderId, uint256 gtin);
    /// @notice The delivered batch expires at `expires`, sooner than the tender allows.
    error ShelfLifeTooShort(uint256 tenderId, uint256 expires, uint256 required);
    /// @notice The delivered batch is recalled or withdrawn (`status`, as `Resources` has it).
    error BatchNotActive(uint256 tenderId, bytes32 batchId, uint8 status);
    /// @notice The bidder may not (or may no longer) take its bid security back.
    error BidSecurityNotClaimable(uint256 tenderId, address bidder);
    error NothingOwed(address account);
    /// @notice A hospital may not bid on its own tender.
    error OwnTender(uint256 tenderId, address bidder);
    /// @notice The contracts given to the constructor are not built on each other.
    error ContractsNotWired();
    /// @notice Deliveries shipped in time may still be received or counted until `until`; the
    /// hospital may terminate only after it.
    error DeliveriesStillDue(uint256 tenderId, uint256 until);
    /// @notice `account` is not the successor `Participants` records for `predecessor`.
    error NotSuccessor(address predecessor, address account);

    event TenderCreated(
        uint256 indexed tenderId,
        address indexed hospital,
        uint256 indexed gtin,
        string specificationCid,
        uint256[] acceptedGtins,
        uint256 quantity,
        uint256 maxPrice,
        uint256 bidDeadline,
        uint256 revealDeadline,
        uint256 deliveryDeadline,
        uint256 bidSecurity,
        uint256 performanceSecurityBps,
        uint256 minResidualShelfLife,
        uint256 securityWindow
    );
    /// @notice `relayer` is the sender: the bidder itself, or whoever relayed its signed bid.
    event BidCommitted(
        uint256 indexed tenderId, address indexed bidder, bytes32 commitment, uint256 sequence, address relayer
    );
    /// @notice `leading`: whether the bid is now the lowest (ties to the earlier commitment).
    event BidRevealed(uint256 indexed tenderId, address indexed bidder, uint256 price, bool leading);
    /// @notice `refund`: the part of the maximum price back to the hospital; `forfeited`: the bid
    /// securities of unrevealed bids, to the hospital.
    /// `deliveryDeadline`: the delivery deadline, moved by the delay of an award later than the
    /// hospital's window (or of a pass to the runner-up). Emitted again when the contract passes
    /// to the runner-up (after {AwardPassedToRunnerUp}, with refund and forfeited 0).
    event TenderAwarded(
        uint256 indexed tenderId,
        address indexed winner,
        uint256 price,
        uint256 performanceSecurity,
        uint256 securityDeadline,
        uint256 deliveryDeadline,
        uint256 refund,
        uint256 forfeited
    );
    /// @notice The winner posted no security in time: its bid security (`forfeited`) went to the
    /// hospital and the contract passed to the runner-up.
    event AwardPassedToRunnerUp(
        uint256 indexed tenderId, address indexed failedWinner, address indexed runnerUp, uint256 forfeited
    );
    /// @notice What `predecessor` was owed now belongs to its successor.
    event OwedMovedToSuccessor(address indexed predecessor, address indexed successor, uint256 amount);
    /// @notice The winner posted its performance security: the contract is concluded.
    event ContractConcluded(uint256 indexed tenderId, address indexed winner, uint256 performanceSecurity);
    /// @notice A delivery counted: `counted` units of the shipment (never beyond the quantity),
    /// `delivered` in all.
    event DeliveryAccepted(
        uint256 indexed tenderId, uint256 indexed shipmentId, bytes32 indexed batchId, uint256 counted, uint256 delivered
    );
    /// @notice Everything delivered: the price and the performance security are the supplier's.
    event TenderCompleted(uint256 indexed tenderId, address indexed winner, uint256 paid, uint256 securityReturned);
    /// @notice `reason`: 1 no valid bid, 2 no performance security from the winner.
    /// `toHospital`: what went back to the hospital (escrow, forfeited securities).
    event TenderFailed(uint256 indexed tenderId, uint8 reason, uint256 toHospital);
    /// @notice Terminated for late delivery: the supplier is paid pro rata for what was
    /// delivered, the hospital recovers the rest and the performance security.
    event TenderTerminated(
        uint256 indexed tenderId, uint256 delivered, uint256 paidToSupplier, uint256 toHospital, uint256 securityForfeited
    );
    event TenderCancelled(uint256 indexed tenderId, uint256 refund);
    event BidSecurityClaimed(uint256 indexed tenderId, address indexed bidder, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice Publishes a need and funds its escrow with `params.maxPrice` (the caller approved
    /// this contract beforehand).
    /// @dev Requirements: the caller is an active MEDICAL_ORGANIZATION; `gtin` is a registered
    /// product and `acceptedGtins` empty, or `gtin` is 0, `specificationCid` not empty and
    /// `acceptedGtins` holds 1 to MAX_ACCEPTED_GTINS registered products; quantity and maximum
    /// price not zero; bidDeadline >= now + MIN_BIDDING_PERIOD, revealDeadline >= bidDeadline +
    /// MIN_REVEAL_PERIOD, revealDeadline < deliveryDeadline; rates in range, and the bid security
    /// (maxPrice × bidSecurityBps / 10,000) not rounded to zero ("maxPrice");
    /// securityWindow at least one hour and revealDeadline + AWARD_WINDOW + securityWindow <
    /// deliveryDeadline (a winner awarded as late as the hospital may award still has time to
    /// deliver). Amounts below 2**128, quantity
    /// below 2**64, deadlines below 2**40, minResidualShelfLife and securityWindow below 2**32.
    /// Emits {TenderCreated}.
    function createTender(TenderParams calldata params) external returns (uint256 tenderId);

    /// @notice `createTender`, approving the escrow by an EIP-2612 permit signature.
    function createTenderWithPermit(TenderParams calldata params, Permit calldata permit)
        external
        returns (uint256 tenderId);

    /// @notice Commits a sealed bid from the caller's wallet and posts its bid security.
    /// @dev Requirements: the tender is OPEN and now <= bidDeadline; the caller is an active
    /// SUPPLIER, not the tender's hospital ({OwnTender}), and has not bid on this tender;
    /// `commitment` is not zero; the caller approved the bid security. Emits {BidCommitted}.
    /// @param commitment keccak256(abi.encode(chainId, address(this), tenderId, msg.sender,
    /// price, salt)): it names the chain and this contract, so it opens nowhere else.
    function commitBid(uint256 tenderId, bytes32 commitment) external;

    /// @notice Commits a bid the bidder signed as EIP-712 typed data, relayed by anyone; the bid
    /// security comes from the bidder by its EIP-2612 `permit`.
    /// @dev The typed data is `Bid(uint256 tenderId,address bidder,bytes32 commitment,uint256
    /// deadline)` in the domain {name: "MedChain Tenders", version: "1", chainId,
    /// verifyingContract}. A replay is refused (one bid per bidder and tender), and so is a
    /// signature for another tender, chain or contract. Requirements as `commitBid`, for
    /// `bidder`; now <= `deadline`. A permit already used (front-run) is accepted if the
    /// allowance suffices. Emits {BidCommitted} with the caller as relayer.
    function commitBidBySig(
        uint256 tenderId,
        address bidder,
        bytes32 commitment,
        uint256 deadline,
        bytes calldata signature,
        Permit calldata permit
    ) external;

    /// @notice Opens `bidder`'s commitment. Anyone may call it: only the bidder knows the salt.
    /// @dev Requirements: the tender is OPEN and bidDeadline < now <= revealDeadline; the bid
    /// exists and is not revealed; `commitmentOf(tenderId, bidder, price, salt)` is its
    /// commitment; 0 < price <= maxPrice. The lowest price leads; a tie goes to the earlier
    /// commitment; the second (by the same order) is kept as the runner-up. Emits {BidRevealed}.
    function revealBid(uint256 tenderId, address bidder, uint256 price, bytes32 salt) external;

    /// @notice Awards the tender to the lowest revealed bid, without looping over bids. With no
    /// revealed bid the tender fails and everything goes back to the hospital. The hospital
    /// awards; if it has not within `AWARD_WINDOW` after the reveal deadline, anyone may (the
    /// outcome is the same whoever calls).
    /// @dev Requirements: the tender is OPEN; now > revealDeadline ({RevealNotOver}); the
    /// caller is the hospital, or now > revealDeadline + AWARD_WINDOW
    /// ({AwardReservedToHospital}). Credits the hospital with maxPrice minus the runner-up's
    /// price (the winner's when there is no runner-up: the rest comes back at the conclusion)
    /// and the securities of unrevealed bids. An award after revealDeadline + AWARD_WINDOW
    /// moves the delivery deadline by the delay. Emits {TenderAwarded}, or {TenderFailed} with
    /// reason 1.
    function award(uint256 tenderId) external;

    /// @notice The winner posts its performance security; its bid security is owed back to it.
    /// @dev Requirements: the caller is the winner; the tender is AWARDED; now <=
    /// securityDeadline; the winner is an active SUPPLIER ({ParticipantNotActive}); the caller
    /// approved the amount. The escrow kept for the runner-up's price, above the contract
    /// price, is owed back to the hospital. Emits {ContractConcluded}.
    function postPerformanceSecurity(uint256 tenderId) external;

    /// @notice `postPerformanceSecurity` with an EIP-2612 permit signature.
    function postPerformanceSecurityWithPermit(uint256 tenderId, Permit calldata permit) external;

    /// @notice After the security deadline without performance security, anyone calls it: the
    /// winner's bid security goes to the hospital, and the contract passes to the runner-up at
    /// its price (with a new security deadline and the delivery deadline moved by as much);
    /// with no runner-up the tender fails and the escrow goes back to the hospital.
    /// @dev Requirements: the tender is AWARDED; now > securityDeadline. Emits
    /// {AwardPassedToRunnerUp} and {TenderAwarded}, or {TenderFailed} with reason 2.
    function failUnsecured(uint256 tenderId) external;

    /// @notice Counts a delivery: a shipment made for this tender of this contract after the
    /// contract was concluded, from the winner to the hospital, received by the hospital in
    /// `Custody` (or unanswered by it past `Custody.RECEIPT_PERIOD`: counting it then makes it
    /// the hospital's), of an accepted product with enough shelf life left. When the delivered
    /// quantity reaches the tender's, the price and the performance security are owed to the
    /// supplier.
    /// @dev Requirements: the tender is CONTRACTED; the caller is the hospital or the winner;
    /// `shipment.tenders` is this contract, shipment.tenderId the tender, shipper the winner,
    /// consignee the hospital, shippedAt >= concludedAt; `custody.shipmentStatus(shipmentId,
    /// shipment)` is RECEIVED, or IN_TRANSIT with now > shippedAt + RECEIPT_PERIOD
    /// ({NotATenderDelivery} otherwise); the shipment is not counted yet; the
    /// batch's product is accepted, the batch is ACTIVE in `Resources` (not recalled or
    /// withdrawn) and expires at least minResidualShelfLife after now.
    /// Emits {DeliveryAccepted}, and {TenderCompleted} on the last one.
    function acceptDelivery(uint256 tenderId, uint256 shipmentId, ICustody.ShipmentRecord calldata shipment)
        external;

    /// @notice Terminates a contract not delivered in time: the supplier is owed price ×
    /// delivered / quantity (rounded down), the hospital the rest and the performance security.
    /// The hospital terminates once every delivery shipped in time has been settled and could be
    /// counted; or the winner that gives up; or the winner of a hospital that may no longer take
    /// delivery (not active), at any time and with its performance security returned.
    /// @dev Requirements: the tender is CONTRACTED; the caller is the hospital or the winner
    /// ({NotHospitalOrWinner}). The hospital: is active ({ParticipantNotActive}) and now >
    /// deliveryDeadline + Custody.RECEIPT_PERIOD + ACCEPTANCE_GRACE ({DeliveriesStillDue}).
    /// The winner: now > deliveryDeadline ({DeliveryNotOverdue}), unless the hospital is not
    /// active (then nothing is forfeited). Emits {TenderTerminated}.
    function terminate(uint256 tenderId) external;

    /// @notice The hospital cancels before the bid deadline: the escrow is owed back to it and
    /// every bidder may claim its bid security.
    /// @dev Requirements: the caller is the hospital; the tender is OPEN; now <= bidDeadline.
    /// Emits {TenderCancelled}.
    function cancel(uint256 tenderId) external;

    /// @notice A bidder takes its bid security back: after a cancellation, or after the award
    /// when it revealed and did not win (a revealed bid of a tender that failed for want of
    /// performance security, too); the runner-up only once the tender is no longer AWARDED
    /// (its offer stands until the contract is concluded). Sent at once.
    /// @dev Requirements: the caller has a bid on the tender ({NoBid} otherwise); as above, and
    /// not claimed before ({BidSecurityNotClaimable} otherwise). Emits {BidSecurityClaimed}.
    function claimBidSecurity(uint256 tenderId) external;

    /// @notice Sends the caller everything owed to it. Emits {Withdrawn}.
    function withdraw() external;

    /// @notice The successor `Participants` records for `predecessor` (its key rotated, say)
    /// takes over what `predecessor` is owed. Tenders in progress keep their parties' addresses.
    /// @dev Requirements: the caller is `participants.successor(predecessor)` ({NotSuccessor});
    /// something is owed ({NothingOwed}). Emits {OwedMovedToSuccessor}.
    function claimOwedOf(address predecessor) external;

    /// @notice The payment token.
    function token() external view returns (IERC20);
    /// @notice The registry asked who may act.
    function participants() external view returns (IParticipants);
    /// @notice The registry of products and batches.
    function resources() external view returns (IResources);
    /// @notice The custody ledger deliveries are checked against.
    function custody() external view returns (ICustody);
    function MAX_ACCEPTED_GTINS() external view returns (uint256);
    /// @notice Seconds after the reveal deadline during which only the hospital may award.
    function AWARD_WINDOW() external view returns (uint256);
    /// @notice The shortest time from a tender's creation to its bid deadline.
    function MIN_BIDDING_PERIOD() external view returns (uint256);
    /// @notice The shortest time from the bid deadline to the reveal deadline.
    function MIN_REVEAL_PERIOD() external view returns (uint256);
    /// @notice After the delivery deadline and `Custody.RECEIPT_PERIOD`, the time the winner has
    /// to count deliveries before the hospital may terminate.
    function ACCEPTANCE_GRACE() external view returns (uint256);
    function tenderCount() external view returns (uint256);
    function tender(uint256 tenderId) external view returns (Tender memory);
    function stage(uint256 tenderId) external view returns (Stage);
    function bid(uint256 tenderId, address bidder) external view returns (Bid memory);
    function isAccepted(uint256 tenderId, uint256 gtin) external view returns (bool);
    function isDeliveryCounted(uint256 tenderId, uint256 shipmentId) external view returns (bool);
    /// @notice What the contract holds for the tender: escrow, securities not yet released.
    function held(uint256 tenderId) external view returns (uint256);
    /// @notice What `account` may withdraw.
    function owed(address account) external view returns (uint256);
    /// @notice keccak256(abi.encode(chainId, address(this), tenderId, bidder, price, salt)).
    function commitmentOf(uint256 tenderId, address bidder, uint256 price, bytes32 salt)
        external
        view
        returns (bytes32);
    /// @notice The EIP-712 digest a bidder signs for `commitBidBySig`.
    function bidDigest(uint256 tenderId, address bidder, bytes32 commitment, uint256 deadline)
        external
        view
        returns (bytes32);
}

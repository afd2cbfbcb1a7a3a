# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Participants: the registry of organizations allowed to act on the platform
@custom:contract-name Participants
@license MIT
@notice An organization (manufacturer, distributor, hospital, pharmacy, supplier,
        regulator) applies with the CID of its metadata document (name, INN/OGRN,
        country, state or private, licence). A regulator approves it with role
        flags, and may later change its roles, suspend it, reinstate it or revoke
        it for good. Every other contract of the platform asks `is_active(account,
        role)` before letting an account act.
        Lasting decisions need a quorum of the active regulators (see
        `modules/regulator_quorum.vy`): revoking, granting or removing the
        regulator role (`approve` or `set_roles`), suspending or reinstating a
        regulator, and moving an organization to a successor address. Suspending
        any other organization stays one regulator's call: it is reversible and
        protects patients at once.
        An approved organization's metadata changes go back to review: the
        new CID waits in `pending_metadata` until a regulator approves it, and
        `organization` keeps returning the approved one (verdicts show it).
@dev snekmate's `access_control` grants bare roles to addresses; here a role is
     only usable while its organization is active, and regulators are themselves
     organizations that can be suspended. So the status lifecycle is kept here
     and roles are a `flag` stored beside it.
"""


from .modules import regulator_quorum


initializes: regulator_quorum


exports: (regulator_quorum.action_id, regulator_quorum.confirmers)


# @dev Role flags, one bit each; an organization may hold several.
# In the ABI a `flag` is a uint256 bit set: REGULATOR = 1, MANUFACTURER = 2,
# DISTRIBUTOR = 4, MEDICAL_ORGANIZATION = 8, PHARMACY = 16, SUPPLIER = 32.
flag Role:
    REGULATOR
    MANUFACTURER
    DISTRIBUTOR
    MEDICAL_ORGANIZATION
    PHARMACY
    SUPPLIER


# @dev The organization's place in its lifecycle.
STATUS_NONE: public(constant(uint8)) = 0
STATUS_APPLIED: public(constant(uint8)) = 1
STATUS_ACTIVE: public(constant(uint8)) = 2
STATUS_SUSPENDED: public(constant(uint8)) = 3
STATUS_REVOKED: public(constant(uint8)) = 4


# @dev The longest CID accepted: a CIDv1 in base32 is 59 characters,
# other multibases and hash functions are longer.
MAX_CID_LENGTH: constant(uint256) = 100


struct Organization:
    status: uint8
    roles: Role
    metadata_cid: String[MAX_CID_LENGTH]
    # @dev Block timestamp of the last status change.
    updated_at: uint256


_organizations: HashMap[address, Organization]
# @dev The roles of each ACTIVE organization, empty for any other status: a
#      copy kept with every status or roles change, so that `is_active`, which
#      the other contracts call on every custody move, reads one slot, not two.
_active_roles: HashMap[address, Role]


# @dev Number of organizations that are active regulators.
active_regulators: public(uint256)

# @dev A metadata CID an approved organization submitted, waiting for a
#      regulator's review (empty when none).
_pending_metadata: HashMap[address, String[MAX_CID_LENGTH]]

# @dev The account regulators moved an organization to (a rotated key, a
#      merger), or zero. Custody and Tenders let the successor take over the
#      predecessor's balances and money owed.
_successors: HashMap[address, address]


event Applied:
    account: indexed(address)
    metadata_cid: String[MAX_CID_LENGTH]


event MetadataUpdated:
    account: indexed(address)
    metadata_cid: String[MAX_CID_LENGTH]


event MetadataSubmitted:
    account: indexed(address)
    metadata_cid: String[MAX_CID_LENGTH]


event MetadataRejected:
    account: indexed(address)
    regulator: indexed(address)
    metadata_cid: String[MAX_CID_LENGTH]
    reason_cid: String[MAX_CID_LENGTH]


event MovedToSuccessor:
    account: indexed(address)
    successor: indexed(address)
    regulator: indexed(address)


event Approved:
    account: indexed(address)
    regulator: indexed(address)
    roles: Role


event RolesChanged:
    account: indexed(address)
    regulator: indexed(address)
    previous_roles: Role
    roles: Role


event Suspended:
    account: indexed(address)
    regulator: indexed(address)
    reason_cid: String[MAX_CID_LENGTH]


event Reinstated:
    account: indexed(address)
    regulator: indexed(address)


event Revoked:
    account: indexed(address)
    regulator: indexed(address)
    reason_cid: String[MAX_CID_LENGTH]


@deploy
def __init__(first_regulator: address, metadata_cid: String[MAX_CID_LENGTH]):
    """
    @dev Registers the first regulator, active at once: without one nobody
         could ever approve anybody.
    @param first_regulator The regulator's account.
    @param metadata_cid The CID of the regulator's metadata document.
    """
    assert first_regulator != empty(address), "participants: regulator is the zero address"
    self._check_cid(metadata_cid)
    self._organizations[first_regulator] = Organization(
        status=STATUS_ACTIVE,
        roles=Role.REGULATOR,
        metadata_cid=metadata_cid,
        updated_at=block.timestamp,
    )
    self._active_roles[first_regulator] = Role.REGULATOR
    self.active_regulators = 1
    log Applied(account=first_regulator, metadata_cid=metadata_cid)
    log Approved(account=first_regulator, regulator=first_regulator, roles=Role.REGULATOR)


@external
def apply(metadata_cid: String[MAX_CID_LENGTH]):
    """
    @dev The caller applies for registration.
    @notice Requirements: the caller never applied before; `metadata_cid`
            is not empty. Emits `Applied`.
    @param metadata_cid The CID of the organization's metadata document.
    """
    assert self._organizations[msg.sender].status == STATUS_NONE, "participants: already registered"
    self._check_cid(metadata_cid)
    self._organizations[msg.sender] = Organization(
        status=STATUS_APPLIED, roles=empty(Role), metadata_cid=metadata_cid, updated_at=block.timestamp
    )
    log Applied(account=msg.sender, metadata_cid=metadata_cid)


@external
def update_metadata(metadata_cid: String[MAX_CID_LENGTH]):
    """
    @dev The caller replaces its metadata document (a renewed licence, say).
         An application under review changes at once; an approved
         organization's change goes back to review: it waits in
         `pending_metadata` until a regulator approves it (`approve_metadata`),
         so a shell cannot take a brand's name after its approval.
    @notice Requirements: the caller is applied, active or suspended, not
            revoked; `metadata_cid` is not empty. Emits `MetadataUpdated`
            (applied) or `MetadataSubmitted` (active or suspended).
    @param metadata_cid The CID of the new metadata document.
    """
    status: uint8 = self._organizations[msg.sender].status
    assert status != STATUS_NONE, "participants: not registered"
    assert status != STATUS_REVOKED, "participants: revoked"
    self._check_cid(metadata_cid)
    if status == STATUS_APPLIED:
        self._organizations[msg.sender].metadata_cid = metadata_cid
        log MetadataUpdated(account=msg.sender, metadata_cid=metadata_cid)
    else:
        self._pending_metadata[msg.sender] = metadata_cid
        log MetadataSubmitted(account=msg.sender, metadata_cid=metadata_cid)


@external
def approve_metadata(account: address):
    """
    @dev A regulator approves the metadata `account` submitted: it becomes the
         organization's metadata.
    @notice Requirements: the caller is an active regulator and not `account`
            itself; `account` is active or suspended with a submitted CID.
            Emits `MetadataUpdated` with the approved CID.
    @param account The organization.
    """
    self._check_regulator()
    assert account != msg.sender, "participants: regulator acting on itself"
    metadata_cid: String[MAX_CID_LENGTH] = self._check_pending_metadata(account)
    self._organizations[account].metadata_cid = metadata_cid
    self._pending_metadata[account] = empty(String[MAX_CID_LENGTH])
    log MetadataUpdated(account=account, metadata_cid=metadata_cid)


@external
def reject_metadata(account: address, reason_cid: String[MAX_CID_LENGTH]):
    """
    @dev A regulator refuses the metadata `account` submitted; the approved
         metadata stays.
    @notice Requirements: the caller is an active regulator and not `account`
            itself; `account` is active or suspended with a submitted CID;
            `reason_cid` is not empty. Emits `MetadataRejected`.
    @param account The organization.
    @param reason_cid The CID of the decision document.
    """
    self._check_regulator()
    assert account != msg.sender, "participants: regulator acting on itself"
    metadata_cid: String[MAX_CID_LENGTH] = self._check_pending_metadata(account)
    self._check_cid(reason_cid)
    self._pending_metadata[account] = empty(String[MAX_CID_LENGTH])
    log MetadataRejected(account=account, regulator=msg.sender, metadata_cid=metadata_cid, reason_cid=reason_cid)


@external
def approve(account: address, roles: Role):
    """
    @dev A regulator approves an application with the organization's roles.
         Granting the regulator role is governed: it takes effect when a
         quorum of active regulators made the same call.
    @notice Requirements: the caller is an active regulator; `account` has
            applied and is not yet approved; `roles` is not empty; with
            REGULATOR in `roles`, the caller did not confirm it already.
            Emits `ActionConfirmed` (regulator role only), then `Approved`
            once carried out.
    @param account The applicant.
    @param roles The role flags granted.
    """
    self._check_regulator()
    assert self._organizations[account].status == STATUS_APPLIED, "participants: not an open application"
    assert roles != empty(Role), "participants: no roles"
    if Role.REGULATOR in roles:
        request: bytes32 = keccak256(abi_encode(method_id("approve(address,uint256)", output_type=bytes4), account, roles))
        if not self._confirmed(request):
            return
    self._organizations[account].status = STATUS_ACTIVE
    self._organizations[account].roles = roles
    self._organizations[account].updated_at = block.timestamp
    self._active_roles[account] = roles
    if Role.REGULATOR in roles:
        self.active_regulators += 1
    log Approved(account=account, regulator=msg.sender, roles=roles)


@external
def set_roles(account: address, roles: Role):
    """
    @dev A regulator changes the roles of an approved organization. A change
         that grants or removes the regulator role is governed.
    @notice Requirements: the caller is an active regulator and not `account`
            itself; `account` is active or suspended; `roles` is not empty;
            when the regulator role changes, the caller did not confirm it
            already. Emits `ActionConfirmed` (regulator role changes only),
            then `RolesChanged` once carried out.
    @param account The organization.
    @param roles The new role flags, replacing the old ones.
    """
    self._check_regulator()
    assert account != msg.sender, "participants: regulator acting on itself"
    status: uint8 = self._organizations[account].status
    assert status == STATUS_ACTIVE or status == STATUS_SUSPENDED, "participants: not approved"
    assert roles != empty(Role), "participants: no roles"
    previous_roles: Role = self._organizations[account].roles
    if (Role.REGULATOR in previous_roles) != (Role.REGULATOR in roles):
        request: bytes32 = keccak256(abi_encode(method_id("set_roles(address,uint256)", output_type=bytes4), account, roles))
        if not self._confirmed(request):
            return
    self._organizations[account].roles = roles
    if status == STATUS_ACTIVE:
        self._active_roles[account] = roles
        if Role.REGULATOR in previous_roles and Role.REGULATOR not in roles:
            self.active_regulators -= 1
        elif Role.REGULATOR in roles and Role.REGULATOR not in previous_roles:
            self.active_regulators += 1
    log RolesChanged(account=account, regulator=msg.sender, previous_roles=previous_roles, roles=roles)


@external
def suspend(account: address, reason_cid: String[MAX_CID_LENGTH]):
    """
    @dev A regulator suspends an active organization: it keeps its roles but
         may not act until reinstated. One regulator suspends any other
         organization at once (reversible, and it protects patients now);
         suspending a regulator is governed.
    @notice Requirements: the caller is an active regulator and not `account`
            itself; `account` is active; `reason_cid` is not empty; for a
            regulator, the caller did not confirm it already. Emits
            `ActionConfirmed` (regulators only), then `Suspended` once
            carried out.
    @param account The organization.
    @param reason_cid The CID of the decision document.
    """
    self._check_regulator()
    assert account != msg.sender, "participants: regulator acting on itself"
    assert self._organizations[account].status == STATUS_ACTIVE, "participants: not active"
    self._check_cid(reason_cid)
    is_regulator: bool = Role.REGULATOR in self._organizations[account].roles
    if is_regulator:
        request: bytes32 = keccak256(abi_encode(method_id("suspend(address,string)", output_type=bytes4), account, reason_cid))
        if not self._confirmed(request):
            return
    self._organizations[account].status = STATUS_SUSPENDED
    self._organizations[account].updated_at = block.timestamp
    self._active_roles[account] = empty(Role)
    if is_regulator:
        self.active_regulators -= 1
    log Suspended(account=account, regulator=msg.sender, reason_cid=reason_cid)


@external
def reinstate(account: address):
    """
    @dev A regulator lifts a suspension. Reinstating a regulator is governed
         (it gives back the regulator role).
    @notice Requirements: the caller is an active regulator; `account` is
            suspended; for a regulator, the caller did not confirm it already.
            Emits `ActionConfirmed` (regulators only), then `Reinstated` once
            carried out.
    @param account The organization.
    """
    self._check_regulator()
    assert self._organizations[account].status == STATUS_SUSPENDED, "participants: not suspended"
    is_regulator: bool = Role.REGULATOR in self._organizations[account].roles
    if is_regulator:
        request: bytes32 = keccak256(abi_encode(method_id("reinstate(address)", output_type=bytes4), account))
        if not self._confirmed(request):
            return
    self._organizations[account].status = STATUS_ACTIVE
    self._organizations[account].updated_at = block.timestamp
    self._active_roles[account] = self._organizations[account].roles
    if is_regulator:
        self.active_regulators += 1
    log Reinstated(account=account, regulator=msg.sender)


@external
def revoke(account: address, reason_cid: String[MAX_CID_LENGTH]):
    """
    @dev Regulators revoke an organization for good, or refuse an
         application. A revoked account can never apply again. Governed.
    @notice Requirements: the caller is an active regulator and not `account`
            itself; `account` is applied, active or suspended; `reason_cid`
            is not empty; the caller did not confirm it already. Emits
            `ActionConfirmed`, then `Revoked` once carried out.
    @param account The organization.
    @param reason_cid The CID of the decision document.
    """
    self._check_regulator()
    assert account != msg.sender, "participants: regulator acting on itself"
    status: uint8 = self._organizations[account].status
    assert status != STATUS_NONE, "participants: not registered"
    assert status != STATUS_REVOKED, "participants: already revoked"
    self._check_cid(reason_cid)
    request: bytes32 = keccak256(abi_encode(method_id("revoke(address,string)", output_type=bytes4), account, reason_cid))
    if not self._confirmed(request):
        return
    if status == STATUS_ACTIVE and Role.REGULATOR in self._organizations[account].roles:
        self.active_regulators -= 1
    self._organizations[account].status = STATUS_REVOKED
    self._organizations[account].updated_at = block.timestamp
    self._active_roles[account] = empty(Role)
    self._pending_metadata[account] = empty(String[MAX_CID_LENGTH])
    log Revoked(account=account, regulator=msg.sender, reason_cid=reason_cid)


@external
def move_to_successor(account: address, successor: address):
    """
    @dev Regulators move an organization to a successor address (a stolen or
         rotated key, a merger). The successor takes the account's status,
         roles and approved metadata; the old account is revoked, so its key
         can do nothing more, and `successor(account)` names the new one:
         Resources lets it claim the products and company prefixes, Custody
         and Tenders its balances and the money owed. Governed.
    @notice Requirements: the caller is an active regulator and not `account`
            itself; `account` is active or suspended; `successor` is not zero
            and never registered; the caller did not confirm it already.
            Emits `ActionConfirmed`, then `MovedToSuccessor` once carried out.
    @param account The organization's current account.
    @param successor Its new account.
    """
    self._check_regulator()
    assert account != msg.sender, "participants: regulator acting on itself"
    status: uint8 = self._organizations[account].status
    assert status == STATUS_ACTIVE or status == STATUS_SUSPENDED, "participants: not approved"
    assert successor != empty(address), "participants: successor is the zero address"
    assert self._organizations[successor].status == STATUS_NONE, "participants: successor already registered"
    request: bytes32 = keccak256(
        abi_encode(method_id("move_to_successor(address,address)", output_type=bytes4), account, successor)
    )
    if not self._confirmed(request):
        return
    # The regulator role (if any) moves with the organization: the count of
    # active regulators stays as it was.
    self._organizations[successor] = Organization(
        status=status,
        roles=self._organizations[account].roles,
        metadata_cid=self._organizations[account].metadata_cid,
        updated_at=block.timestamp,
    )
    self._active_roles[successor] = self._active_roles[account]
    self._organizations[account].status = STATUS_REVOKED
    self._organizations[account].updated_at = block.timestamp
    self._active_roles[account] = empty(Role)
    self._pending_metadata[account] = empty(String[MAX_CID_LENGTH])
    self._successors[account] = successor
    log MovedToSuccessor(account=account, successor=successor, regulator=msg.sender)


@external
@view
def is_active(account: address, role: Role) -> bool:
    """
    @dev Whether `account` is an active organization holding `role`.
    @param account The account asked about.
    @param role One role flag (or several: any of them suffices).
    @return bool True when active and holding the role.
    """
    return self._is_active(account, role)


@external
@view
def organization(account: address) -> Organization:
    """
    @dev The registry entry of `account` (all zero when it never applied).
    @param account The account asked about.
    @return Organization Its status, roles, metadata CID and last change time.
    """
    return self._organizations[account]


@external
@view
def pending_metadata(account: address) -> String[MAX_CID_LENGTH]:
    """
    @dev The metadata CID `account` submitted and a regulator has not yet
         approved or rejected (empty when none). `organization` keeps the
         approved one.
    @param account The organization asked about.
    @return String The submitted CID.
    """
    return self._pending_metadata[account]


@external
@view
def successor(account: address) -> address:
    """
    @dev The account regulators moved `account` to (a rotated key, a merger),
         zero when none. Custody and Tenders let the successor take over the
         predecessor's balances and the money owed to it; Resources its
         products and company prefixes.
    @param account The organization's old account.
    @return address Its successor.
    """
    return self._successors[account]


@internal
def _confirmed(request: bytes32) -> bool:
    """
    @dev Records the caller's confirmation of `request`'s pending action and
         tells whether a quorum of the active regulators has now confirmed it
         (then the action is closed and must be carried out). Confirmations of
         regulators no longer active do not count.
    """
    action: bytes32 = regulator_quorum._action_id(request)
    assert not regulator_quorum._has_confirmed(action, msg.sender), "participants: action already confirmed"
    confirmers: DynArray[address, regulator_quorum.MAX_CONFIRMATIONS] = regulator_quorum._add(action, msg.sender)
    confirmations: uint256 = 0
    for confirmer: address in confirmers:
        if self._is_active(confirmer, Role.REGULATOR):
            confirmations += 1
    required: uint256 = regulator_quorum._required(self.active_regulators)
    regulator_quorum._log(action, msg.sender, confirmations, required)
    if confirmations < required:
        return False
    regulator_quorum._close(request, action)
    return True


@internal
@view
def _check_pending_metadata(account: address) -> String[MAX_CID_LENGTH]:
    """
    @dev Throws unless `account` is approved and submitted metadata; returns it.
    """
    status: uint8 = self._organizations[account].status
    assert status == STATUS_ACTIVE or status == STATUS_SUSPENDED, "participants: not approved"
    metadata_cid: String[MAX_CID_LENGTH] = self._pending_metadata[account]
    assert len(metadata_cid) != 0, "participants: no metadata submitted"
    return metadata_cid


@internal
@view
def _is_active(account: address, role: Role) -> bool:
    """
    @dev Whether `account` is active and holds any of `role`.
    """
    return role in self._active_roles[account]


@internal
@view
def _check_regulator():
    """
    @dev Throws unless the caller is an active regulator.
    """
    assert self._is_active(msg.sender, Role.REGULATOR), "participants: caller is not an active regulator"


@internal
@pure
def _check_cid(cid: String[MAX_CID_LENGTH]):
    """
    @dev Throws when a CID is empty.
    """
    assert len(cid) != 0, "participants: empty CID"

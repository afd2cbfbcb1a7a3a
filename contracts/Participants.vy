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
@dev snekmate's `access_control` grants bare roles to addresses; here a role is
     only usable while its organization is active, and regulators are themselves
     organizations that can be suspended. So the status lifecycle is kept here
     and roles are a `flag` stored beside it.
"""


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


event Applied:
    account: indexed(address)
    metadata_cid: String[MAX_CID_LENGTH]


event MetadataUpdated:
    account: indexed(address)
    metadata_cid: String[MAX_CID_LENGTH]


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
    @notice Requirements: the caller is applied, active or suspended, not
            revoked; `metadata_cid` is not empty. Emits `MetadataUpdated`.
    @param metadata_cid The CID of the new metadata document.
    """
    status: uint8 = self._organizations[msg.sender].status
    assert status != STATUS_NONE, "participants: not registered"
    assert status != STATUS_REVOKED, "participants: revoked"
    self._check_cid(metadata_cid)
    self._organizations[msg.sender].metadata_cid = metadata_cid
    log MetadataUpdated(account=msg.sender, metadata_cid=metadata_cid)


@external
def approve(account: address, roles: Role):
    """
    @dev A regulator approves an application with the organization's roles.
    @notice Requirements: the caller is an active regulator; `account` has
            applied and is not yet approved; `roles` is not empty.
            Emits `Approved`.
    @param account The applicant.
    @param roles The role flags granted.
    """
    self._check_regulator()
    assert self._organizations[account].status == STATUS_APPLIED, "participants: not an open application"
    assert roles != empty(Role), "participants: no roles"
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
    @dev A regulator changes the roles of an approved organization.
    @notice Requirements: the caller is an active regulator and not `account`
            itself; `account` is active or suspended; `roles` is not empty.
            Emits `RolesChanged`.
    @param account The organization.
    @param roles The new role flags, replacing the old ones.
    """
    self._check_regulator()
    assert account != msg.sender, "participants: regulator acting on itself"
    status: uint8 = self._organizations[account].status
    assert status == STATUS_ACTIVE or status == STATUS_SUSPENDED, "participants: not approved"
    assert roles != empty(Role), "participants: no roles"
    previous_roles: Role = self._organizations[account].roles
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
         may not act until reinstated.
    @notice Requirements: the caller is an active regulator and not `account`
            itself; `account` is active; `reason_cid` is not empty.
            Emits `Suspended`.
    @param account The organization.
    @param reason_cid The CID of the decision document.
    """
    self._check_regulator()
    assert account != msg.sender, "participants: regulator acting on itself"
    assert self._organizations[account].status == STATUS_ACTIVE, "participants: not active"
    self._check_cid(reason_cid)
    self._organizations[account].status = STATUS_SUSPENDED
    self._organizations[account].updated_at = block.timestamp
    self._active_roles[account] = empty(Role)
    if Role.REGULATOR in self._organizations[account].roles:
        self.active_regulators -= 1
    log Suspended(account=account, regulator=msg.sender, reason_cid=reason_cid)


@external
def reinstate(account: address):
    """
    @dev A regulator lifts a suspension.
    @notice Requirements: the caller is an active regulator; `account` is
            suspended. Emits `Reinstated`.
    @param account The organization.
    """
    self._check_regulator()
    assert self._organizations[account].status == STATUS_SUSPENDED, "participants: not suspended"
    self._organizations[account].status = STATUS_ACTIVE
    self._organizations[account].updated_at = block.timestamp
    self._active_roles[account] = self._organizations[account].roles
    if Role.REGULATOR in self._organizations[account].roles:
        self.active_regulators += 1
    log Reinstated(account=account, regulator=msg.sender)


@external
def revoke(account: address, reason_cid: String[MAX_CID_LENGTH]):
    """
    @dev A regulator revokes an organization for good, or refuses an
         application. A revoked account can never apply again.
    @notice Requirements: the caller is an active regulator and not `account`
            itself; `account` is applied, active or suspended; `reason_cid`
            is not empty. Emits `Revoked`.
    @param account The organization.
    @param reason_cid The CID of the decision document.
    """
    self._check_regulator()
    assert account != msg.sender, "participants: regulator acting on itself"
    status: uint8 = self._organizations[account].status
    assert status != STATUS_NONE, "participants: not registered"
    assert status != STATUS_REVOKED, "participants: already revoked"
    self._check_cid(reason_cid)
    if status == STATUS_ACTIVE and Role.REGULATOR in self._organizations[account].roles:
        self.active_regulators -= 1
    self._organizations[account].status = STATUS_REVOKED
    self._organizations[account].updated_at = block.timestamp
    self._active_roles[account] = empty(Role)
    log Revoked(account=account, regulator=msg.sender, reason_cid=reason_cid)


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

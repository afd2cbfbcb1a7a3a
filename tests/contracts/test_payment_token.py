"""PaymentToken: the kopeck-denominated settlement ruble (OpenZeppelin ERC20, ERC20Permit, Ownable)."""

import ast

import ape
import pytest
from ape.exceptions import CustomError, VirtualMachineError
from eth_account import Account
from eth_account.messages import encode_typed_data
from hexbytes import HexBytes

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MAX_UINT256 = 2**256 - 1

NAME = "Settlement Ruble"
SYMBOL = "RUBS"
RUBLE = 100  # kopecks
AMOUNT = 1_000 * RUBLE

PERMIT_TYPES = {
    "Permit": [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
}


def domain(chain, token):
    return {
        "name": NAME,
        "version": "1",
        "chainId": chain.chain_id,
        "verifyingContract": token.address,
    }


def custom_error(info, contract):
    """The (name, inputs) of the custom error caught by `ape.reverts`.

    Ape's eth-tester provider leaves a custom error undecoded when its revert data holds a
    0x27 byte (the bytes' repr is then double-quoted and Ape only parses single quotes), as
    an unpredictable recovered signer may: decode such data here with the contract's ABI.
    """
    error = info.value
    if isinstance(error, CustomError):
        return type(error).__name__, dict(error.inputs)
    message = error.revert_message
    data = HexBytes(message) if message.startswith("0x") else HexBytes(ast.literal_eval(message))
    abi = contract.contract_type.errors[data[:4]]
    return abi.name, dict(contract.provider.network.ecosystem.decode_calldata(abi, data[4:]))


def assert_custom_error(info, contract, name, **inputs):
    """`ape.reverts(ErrorClass, **inputs)` passes silently on a plain revert, on an undecoded
    custom error or on a misnamed input: check the error's name and every input here as well."""
    assert custom_error(info, contract) == (name, inputs)


@pytest.fixture
def sign_permit(chain, token):
    """Sign a Permit by `signer` (owner by default) with eth_account; returns (v, r, s)."""

    def sign_permit(owner, spender, value, deadline, nonce=None, signer=None):
        message = {
            "owner": owner.address,
            "spender": spender.address,
            "value": value,
            "nonce": token.nonces(owner) if nonce is None else nonce,
            "deadline": deadline,
        }
        signed = Account.sign_typed_data(
            (signer or owner).private_key,
            domain_data=domain(chain, token),
            message_types=PERMIT_TYPES,
            message_data=message,
        )
        return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")

    return sign_permit


@pytest.fixture
def funded(token, deployer, hospital):
    """The hospital holds AMOUNT kopecks."""
    token.mint(hospital, AMOUNT, sender=deployer)
    return hospital


# --- metadata and ownership ------------------------------------------------------------------


def test_metadata(token):
    assert token.name() == NAME
    assert token.symbol() == SYMBOL
    assert token.decimals() == 2
    assert token.totalSupply() == 0


def test_owner__is_initial_owner(project, token, deployer, regulator):
    assert token.owner() == deployer.address

    other = project.PaymentToken.deploy(regulator, sender=deployer)

    assert other.owner() == regulator.address


def test_deploy__zero_owner__reverts(project, deployer):
    with ape.reverts(project.PaymentToken.OwnableInvalidOwner, owner=ZERO_ADDRESS) as info:
        project.PaymentToken.deploy(ZERO_ADDRESS, sender=deployer)

    assert_custom_error(info, project.PaymentToken, "OwnableInvalidOwner", owner=ZERO_ADDRESS)


def test_transfer_ownership(token, deployer, regulator, hospital):
    tx = token.transferOwnership(regulator, sender=deployer)

    logs = tx.decode_logs(token.OwnershipTransferred)
    assert len(logs) == 1
    assert logs[0].previousOwner == deployer.address
    assert logs[0].newOwner == regulator.address
    assert token.owner() == regulator.address

    token.mint(hospital, AMOUNT, sender=regulator)
    assert token.balanceOf(hospital) == AMOUNT
    with ape.reverts(token.OwnableUnauthorizedAccount, account=deployer.address) as info:
        token.mint(hospital, AMOUNT, sender=deployer)
    assert_custom_error(info, token, "OwnableUnauthorizedAccount", account=deployer.address)


def test_transfer_ownership__not_owner__reverts(token, stranger):
    with ape.reverts(token.OwnableUnauthorizedAccount, account=stranger.address) as info:
        token.transferOwnership(stranger, sender=stranger)

    assert_custom_error(info, token, "OwnableUnauthorizedAccount", account=stranger.address)
    assert token.owner() != stranger.address


def test_renounce_ownership__minting_ends(token, deployer, hospital):
    tx = token.renounceOwnership(sender=deployer)

    logs = tx.decode_logs(token.OwnershipTransferred)
    assert len(logs) == 1
    assert logs[0].previousOwner == deployer.address
    assert logs[0].newOwner == ZERO_ADDRESS
    assert token.owner() == ZERO_ADDRESS
    with ape.reverts(token.OwnableUnauthorizedAccount, account=deployer.address) as info:
        token.mint(hospital, AMOUNT, sender=deployer)
    assert_custom_error(info, token, "OwnableUnauthorizedAccount", account=deployer.address)


# --- mint ------------------------------------------------------------------------------------


def test_mint(token, deployer, hospital, supplier):
    tx = token.mint(hospital, AMOUNT, sender=deployer)

    logs = tx.decode_logs(token.Transfer)
    assert len(logs) == 1
    assert logs[0]["from"] == ZERO_ADDRESS
    assert logs[0].to == hospital.address
    assert logs[0].value == AMOUNT
    assert token.balanceOf(hospital) == AMOUNT
    assert token.balanceOf(deployer) == 0
    assert token.totalSupply() == AMOUNT

    token.mint(supplier, 1, sender=deployer)
    token.mint(hospital, 5, sender=deployer)

    assert token.balanceOf(hospital) == AMOUNT + 5
    assert token.balanceOf(supplier) == 1
    assert token.totalSupply() == AMOUNT + 6


def test_mint__zero_amount__emits_transfer(token, deployer, hospital):
    tx = token.mint(hospital, 0, sender=deployer)

    logs = tx.decode_logs(token.Transfer)
    assert len(logs) == 1
    assert logs[0]["from"] == ZERO_ADDRESS
    assert logs[0].to == hospital.address
    assert logs[0].value == 0
    assert token.totalSupply() == 0


@pytest.mark.parametrize("caller", ["stranger", "regulator", "hospital"])
def test_mint__not_owner__reverts(request, token, hospital, caller):
    account = request.getfixturevalue(caller)

    with ape.reverts(token.OwnableUnauthorizedAccount, account=account.address) as info:
        token.mint(hospital, AMOUNT, sender=account)

    assert_custom_error(info, token, "OwnableUnauthorizedAccount", account=account.address)
    assert token.totalSupply() == 0


def test_mint__zero_address__reverts(token, deployer):
    with ape.reverts(token.ERC20InvalidReceiver, receiver=ZERO_ADDRESS) as info:
        token.mint(ZERO_ADDRESS, AMOUNT, sender=deployer)

    assert_custom_error(info, token, "ERC20InvalidReceiver", receiver=ZERO_ADDRESS)


def test_mint__total_supply_overflow__reverts(token, deployer, hospital, supplier):
    token.mint(hospital, MAX_UINT256, sender=deployer)

    # A Solidity panic: Ape raises it as a ContractLogicError on eth-tester but as a bare
    # VirtualMachineError (its base class) on anvil.
    with pytest.raises(VirtualMachineError) as info:
        token.mint(supplier, 1, sender=deployer)

    assert "overflow" in str(info.value)

    assert token.totalSupply() == MAX_UINT256
    assert token.balanceOf(supplier) == 0


# --- transfer, approve, transferFrom ---------------------------------------------------------


def test_transfer(token, funded, supplier):
    tx = token.transfer(supplier, 250 * RUBLE, sender=funded)

    logs = tx.decode_logs(token.Transfer)
    assert len(logs) == 1
    assert logs[0]["from"] == funded.address
    assert logs[0].to == supplier.address
    assert logs[0].value == 250 * RUBLE
    assert token.balanceOf(funded) == AMOUNT - 250 * RUBLE
    assert token.balanceOf(supplier) == 250 * RUBLE
    assert token.totalSupply() == AMOUNT


def test_transfer__whole_balance(token, funded, supplier):
    token.transfer(supplier, AMOUNT, sender=funded)

    assert token.balanceOf(funded) == 0
    assert token.balanceOf(supplier) == AMOUNT


def test_transfer__insufficient_balance__reverts(token, funded, supplier):
    with ape.reverts(token.ERC20InsufficientBalance) as info:
        token.transfer(supplier, AMOUNT + 1, sender=funded)

    assert_custom_error(info, token, "ERC20InsufficientBalance", sender=funded.address, balance=AMOUNT, needed=AMOUNT + 1
    )
    assert token.balanceOf(funded) == AMOUNT


def test_transfer__zero_address__reverts(token, funded):
    with ape.reverts(token.ERC20InvalidReceiver) as info:
        token.transfer(ZERO_ADDRESS, 1, sender=funded)

    assert_custom_error(info, token, "ERC20InvalidReceiver", receiver=ZERO_ADDRESS)


def test_approve(token, funded, supplier):
    tx = token.approve(supplier, 300 * RUBLE, sender=funded)

    logs = tx.decode_logs(token.Approval)
    assert len(logs) == 1
    assert logs[0].owner == funded.address
    assert logs[0].spender == supplier.address
    assert logs[0].value == 300 * RUBLE
    assert token.allowance(funded, supplier) == 300 * RUBLE
    assert token.allowance(supplier, funded) == 0


def test_approve__replaces_allowance(token, funded, supplier):
    token.approve(supplier, 300 * RUBLE, sender=funded)

    token.approve(supplier, 7, sender=funded)

    assert token.allowance(funded, supplier) == 7


def test_approve__zero_spender__reverts(token, funded):
    with ape.reverts(token.ERC20InvalidSpender) as info:
        token.approve(ZERO_ADDRESS, 1, sender=funded)

    assert_custom_error(info, token, "ERC20InvalidSpender", spender=ZERO_ADDRESS)


def test_transfer_from(token, funded, supplier, pharmacy):
    token.approve(supplier, 300 * RUBLE, sender=funded)

    tx = token.transferFrom(funded, pharmacy, 100 * RUBLE, sender=supplier)

    logs = tx.decode_logs(token.Transfer)
    assert len(logs) == 1
    assert logs[0]["from"] == funded.address
    assert logs[0].to == pharmacy.address
    assert logs[0].value == 100 * RUBLE
    # OpenZeppelin 5 does not emit Approval when spending an allowance.
    assert len(tx.decode_logs(token.Approval)) == 0
    assert token.allowance(funded, supplier) == 200 * RUBLE
    assert token.balanceOf(funded) == AMOUNT - 100 * RUBLE
    assert token.balanceOf(pharmacy) == 100 * RUBLE
    assert token.balanceOf(supplier) == 0


def test_transfer_from__infinite_allowance__not_spent(token, funded, supplier):
    token.approve(supplier, MAX_UINT256, sender=funded)

    token.transferFrom(funded, supplier, AMOUNT, sender=supplier)

    assert token.allowance(funded, supplier) == MAX_UINT256
    assert token.balanceOf(supplier) == AMOUNT


def test_transfer_from__insufficient_allowance__reverts(token, funded, supplier):
    token.approve(supplier, 10, sender=funded)

    with ape.reverts(token.ERC20InsufficientAllowance) as info:
        token.transferFrom(funded, supplier, 11, sender=supplier)

    assert_custom_error(info, token, "ERC20InsufficientAllowance", spender=supplier.address, allowance=10, needed=11)
    assert token.allowance(funded, supplier) == 10


def test_transfer_from__insufficient_balance__reverts(token, funded, supplier):
    token.approve(supplier, MAX_UINT256, sender=funded)

    with ape.reverts(token.ERC20InsufficientBalance) as info:
        token.transferFrom(funded, supplier, AMOUNT + 1, sender=supplier)

    assert_custom_error(info, token, "ERC20InsufficientBalance", sender=funded.address, balance=AMOUNT, needed=AMOUNT + 1
    )


# --- permit ----------------------------------------------------------------------------------


def test_domain_separator(chain, token):
    expected = encode_typed_data(
        domain_data=domain(chain, token),
        message_types=PERMIT_TYPES,
        message_data={"owner": ZERO_ADDRESS, "spender": ZERO_ADDRESS, "value": 0, "nonce": 0, "deadline": 0},
    ).header

    assert token.DOMAIN_SEPARATOR() == expected


def test_eip712_domain(chain, token):
    fields, name, version, chain_id, verifying_contract, salt, extensions = token.eip712Domain()

    assert fields == b"\x0f"  # name, version, chainId, verifyingContract
    assert name == NAME
    assert version == "1"
    assert chain_id == chain.chain_id
    assert verifying_contract == token.address
    assert salt == b"\x00" * 32
    assert list(extensions) == []


def test_permit(chain, token, funded, supplier, stranger, sign_permit):
    deadline = chain.pending_timestamp + 3600
    assert token.nonces(funded) == 0
    v, r, s = sign_permit(funded, supplier, 500 * RUBLE, deadline)

    # Anybody may submit the signature: here a relayer that is neither owner nor spender.
    tx = token.permit(funded, supplier, 500 * RUBLE, deadline, v, r, s, sender=stranger)

    logs = tx.decode_logs(token.Approval)
    assert len(logs) == 1
    assert logs[0].owner == funded.address
    assert logs[0].spender == supplier.address
    assert logs[0].value == 500 * RUBLE
    assert token.allowance(funded, supplier) == 500 * RUBLE
    assert token.nonces(funded) == 1
    assert token.nonces(stranger) == 0

    token.transferFrom(funded, supplier, 500 * RUBLE, sender=supplier)
    assert token.balanceOf(supplier) == 500 * RUBLE
    assert token.allowance(funded, supplier) == 0


def test_permit__nonce_increments(chain, token, funded, supplier, pharmacy, sign_permit):
    deadline = chain.pending_timestamp + 3600

    for nonce, (spender, value) in enumerate([(supplier, 1), (pharmacy, 2), (supplier, 3)]):
        assert token.nonces(funded) == nonce
        token.permit(funded, spender, value, deadline, *sign_permit(funded, spender, value, deadline), sender=funded)

    assert token.nonces(funded) == 3
    assert token.allowance(funded, supplier) == 3
    assert token.allowance(funded, pharmacy) == 2


def test_permit__deadline_now__accepted(chain, token, funded, supplier, sign_permit):
    deadline = chain.pending_timestamp + 100
    v, r, s = sign_permit(funded, supplier, 1, deadline)
    chain.pending_timestamp = deadline

    tx = token.permit(funded, supplier, 1, deadline, v, r, s, sender=supplier)

    assert tx.timestamp == deadline
    assert token.allowance(funded, supplier) == 1


def test_permit__replay__reverts(chain, token, funded, supplier, sign_permit):
    deadline = chain.pending_timestamp + 3600
    v, r, s = sign_permit(funded, supplier, 500 * RUBLE, deadline)
    token.permit(funded, supplier, 500 * RUBLE, deadline, v, r, s, sender=supplier)
    token.transferFrom(funded, supplier, 500 * RUBLE, sender=supplier)

    with ape.reverts(token.ERC2612InvalidSigner, owner=funded.address) as info:
        token.permit(funded, supplier, 500 * RUBLE, deadline, v, r, s, sender=supplier)

    # The signature now hashes with nonce 1, so it recovers some other address.
    name, inputs = custom_error(info, token)
    assert name == "ERC2612InvalidSigner"
    assert inputs["owner"] == funded.address
    assert inputs["signer"] != funded.address
    assert token.allowance(funded, supplier) == 0
    assert token.nonces(funded) == 1


def test_permit__future_nonce__reverts(chain, token, funded, supplier, sign_permit):
    deadline = chain.pending_timestamp + 3600
    v, r, s = sign_permit(funded, supplier, 1, deadline, nonce=1)

    with ape.reverts(token.ERC2612InvalidSigner) as info:
        token.permit(funded, supplier, 1, deadline, v, r, s, sender=supplier)

    name, inputs = custom_error(info, token)
    assert name == "ERC2612InvalidSigner"
    assert inputs["owner"] == funded.address
    assert inputs["signer"] != funded.address
    assert token.nonces(funded) == 0


def test_permit__expired_deadline__reverts(chain, token, funded, supplier, sign_permit):
    deadline = chain.pending_timestamp - 1
    v, r, s = sign_permit(funded, supplier, 1, deadline)

    with ape.reverts(token.ERC2612ExpiredSignature, deadline=deadline) as info:
        token.permit(funded, supplier, 1, deadline, v, r, s, sender=supplier)

    assert_custom_error(info, token, "ERC2612ExpiredSignature", deadline=deadline)
    assert token.allowance(funded, supplier) == 0
    assert token.nonces(funded) == 0


def test_permit__wrong_signer__reverts(chain, token, funded, supplier, stranger, sign_permit):
    deadline = chain.pending_timestamp + 3600
    v, r, s = sign_permit(funded, supplier, 1, deadline, signer=stranger)

    with ape.reverts(token.ERC2612InvalidSigner, signer=stranger.address, owner=funded.address) as info:
        token.permit(funded, supplier, 1, deadline, v, r, s, sender=supplier)

    assert_custom_error(info, token, "ERC2612InvalidSigner", signer=stranger.address, owner=funded.address)
    assert token.allowance(funded, supplier) == 0
    assert token.nonces(funded) == 0


@pytest.mark.parametrize("field", ["value", "spender", "deadline"])
def test_permit__tampered_message__reverts(chain, token, funded, supplier, pharmacy, sign_permit, field):
    deadline = chain.pending_timestamp + 3600
    v, r, s = sign_permit(funded, supplier, 1, deadline)
    args = {"spender": supplier, "value": 1, "deadline": deadline}
    args[field] = {"value": 2, "spender": pharmacy, "deadline": deadline + 1}[field]

    with ape.reverts(token.ERC2612InvalidSigner) as info:
        token.permit(funded, args["spender"], args["value"], args["deadline"], v, r, s, sender=supplier)

    name, inputs = custom_error(info, token)
    assert name == "ERC2612InvalidSigner"
    assert inputs["owner"] == funded.address
    assert inputs["signer"] != funded.address


def test_permit__other_token__reverts(project, chain, token, deployer, funded, supplier, sign_permit):
    # The domain binds the signature to one contract: the same permit is refused by another token.
    deadline = chain.pending_timestamp + 3600
    v, r, s = sign_permit(funded, supplier, 1, deadline)
    other = project.PaymentToken.deploy(deployer, sender=deployer)

    with ape.reverts(other.ERC2612InvalidSigner) as info:
        other.permit(funded, supplier, 1, deadline, v, r, s, sender=supplier)

    name, inputs = custom_error(info, other)
    assert name == "ERC2612InvalidSigner"
    assert inputs["owner"] == funded.address
    assert inputs["signer"] != funded.address

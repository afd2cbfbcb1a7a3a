"""The regulator's workspace: applications waiting for a decision (approve or refuse), an
organization's roles, suspension, reinstatement and revocation, metadata waiting for review,
recalling or withdrawing a batch (and who holds it) and lifting that again, company prefixes and
moves to a successor account, and the suspect-pack reports.

Only an active regulator sees it: the server checks the signed-in account's standing in the
registry on every run. Every decision is a prepared action of the library carried out through
the wallet (in dev mode, the local chain's dev account); a decision that only records this
regulator's confirmation (a quorum of regulators is needed) says so.
"""

from __future__ import annotations

from datetime import UTC

import pandas as pd
import streamlit as st
from eth_utils import is_address, to_checksum_address
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from dapp.actions import participants, resources
from dapp.errors import PlatformError
from dapp.identity.standing import ROLE_NAMES, STATUS_NAMES
from dapp.i18n import N_, _, format_datetime
from dapp.roles import BatchStatus, Role, Status
from dapp.ui.account import dev_mode_banner, workspace_or_stop
from dapp.ui.clients import database
from dapp.ui.text import plain
from dapp.ui.wallet import action_button

PER_PAGE = 25
N_("Regulator")  # the page's title in the navigation (dapp/ui/app.py)

st.title(_("Regulator's workspace"))
dev_mode_banner()
workspace = workspace_or_stop(Role.REGULATOR, _("this page is for regulators, and shows their workspace once the "
                                                "registry confirms the account is an active regulator."))
identity, me, chain = workspace.identity, workspace.me, workspace.chain
deployment, reader = chain.deployment, chain.reader
QUORUM_NOTE = _("Your confirmation is recorded, but the decision is not carried out yet: it needs the same "
                "decision from a quorum of the active regulators.")


def organization_rows() -> list[dict] | None:
    """The organizations the database knows (address, metadata), or None when it cannot be read."""
    from dapp.records.models import Organization

    try:
        with database().connect() as connection:
            rows = connection.execute(select(Organization.address).order_by(Organization.applied_at)).all()
    except (SQLAlchemyError, PlatformError):
        return None
    return [{"address": row.address} for row in rows]


def standings(addresses: list[str]):
    """The registry's standing of each address, read now from the chain."""
    from dapp.identity import standing_of

    return [standing_of(reader, address, with_balance=False) for address in addresses]


def decision_document(key: str) -> tuple[bytes | None, str]:
    """The decision document the regulator gives: an uploaded file, or else the typed text."""
    uploaded = st.file_uploader(_("Decision document (a file)"), key=f"{key}_file")
    typed = st.text_area(_("or the decision, typed"), key=f"{key}_text")
    if uploaded is not None:
        return uploaded.getvalue(), uploaded.name
    if typed.strip():
        return typed.strip().encode("utf-8"), ""
    return None, ""


def store(document: bytes | None) -> str:
    """Stores the decision document; its CID (a PlatformError when there is none or storing fails)."""
    from dapp.documents.default_store import save_document

    if document is None:
        raise PlatformError(_("Give the decision document: upload a file or type the decision."))
    try:
        return save_document(document)
    except OSError as error:
        raise PlatformError(_("The decision document could not be stored: {error}").format(error=error)) from None


def act(key: str, label: str, prepare, check=None) -> None:
    """A button that carries out `prepare()`'s action; its outcome, and whether it was only a vote.

    `check()` (read after the action succeeded) is True when the decision took effect."""
    outcome = action_button(key, label, prepare)
    if outcome is not None and outcome.ok and check is not None:
        notes = st.session_state.setdefault("_regulator_effects", {})
        done = tuple(outcome.transaction_hashes)
        if notes.get(key, (None,))[0] != done:
            try:
                notes[key] = (done, bool(check()))
            except PlatformError:
                notes[key] = (done, True)
        if not notes[key][1]:
            st.info(QUORUM_NOTE, icon=":material/how_to_vote:")


def status_of(account: str) -> Status:
    return Status(int(reader.one(reader.call("Participants", "organization", account)).status))


def roles_of(account: str) -> Role:
    return Role(int(reader.one(reader.call("Participants", "organization", account)).roles))


def governed(sentence: str) -> None:
    """Says that a decision is governed: a quorum of the active regulators makes it."""
    st.caption(sentence + " " + _("It is carried out once a quorum (more than half) of the active regulators made the "
                                  "same decision; until then each confirmation is recorded."))


rows = organization_rows()
known = standings([row["address"] for row in rows]) if rows else []
role_choices = [role for role in Role]
role_words = {role: _(ROLE_NAMES[role]) for role in Role}

# --- 1. Applications waiting --------------------------------------------------------------------
st.subheader(_("Applications waiting"))
if rows is None:
    st.warning(_("The platform's database cannot be read: the applications are not listed."))
waiting = [found for found in known if found.status == Status.APPLIED]
if rows is not None and not waiting:
    st.info(_("No application is waiting for a decision."))
if waiting:
    st.dataframe(pd.DataFrame([{
        _("Organization"): found.display_name,
        _("Account"): found.account,
        _("Country"): str(found.metadata.get("country", "")),
        _("INN"): str(found.metadata.get("inn", "")),
        _("OGRN"): str(found.metadata.get("ogrn", "")),
        _("Licence"): str(found.metadata.get("licence", "")),
        _("Roles asked for"): ", ".join(str(r) for r in found.metadata.get("roles", [])),
    } for found in waiting]), hide_index=True)
    applicant = st.selectbox(_("Application"), [found.account for found in waiting], key="approve_who",
                             format_func=lambda a: next(f.display_name for f in waiting if f.account == a))
    roles = st.multiselect(_("Roles to grant"), role_choices, key="approve_roles",
                           format_func=lambda role: role_words[role])
    granted = Role(sum(int(role) for role in roles))
    act("approve", _("Approve in the wallet"),
        lambda: participants.approve(deployment, identity.account, applicant, granted),
        lambda: status_of(applicant) != Status.APPLIED)
    st.markdown(_("**Refuse** the application: the account is revoked and can never apply again."))
    governed(_("Refusing is a revocation."))
    refuse_document, _name = decision_document("refuse")
    act("refuse", _("Refuse in the wallet"),
        lambda: participants.revoke(deployment, identity.account, applicant, store(refuse_document)),
        lambda: status_of(applicant) == Status.REVOKED)

# --- 2. Organizations --------------------------------------------------------------------------
st.subheader(_("Organizations"))
registered = [found for found in known if found.status in (Status.ACTIVE, Status.SUSPENDED)]
if registered:
    st.dataframe(pd.DataFrame([{
        _("Organization"): found.display_name, _("Account"): found.account,
        _("Status"): found.status_name, _("Roles"): ", ".join(found.role_names),
    } for found in registered]), hide_index=True)
names = {found.account: found.display_name for found in registered}
chosen = st.selectbox(_("Organization"), list(names), key="org_who", index=None,
                      format_func=lambda a: f"{names[a]} ({a[:8]}…)", placeholder=_("choose an organization"))
typed_account = st.text_input(_("or its account (0x…)"), key="org_typed")
target = chosen
if typed_account.strip():
    if is_address(typed_account.strip()):
        target = to_checksum_address(typed_account.strip())
    else:
        st.error(_("{account} is not an account address.").format(account=plain(typed_account.strip())))
        target = None
if target is not None:
    try:
        current = status_of(target)
    except PlatformError as error:
        st.error(str(error))
        current = None
    if current is not None:
        st.markdown(_("Status now: {status}").format(status=_(STATUS_NAMES[current])))
        now_roles = roles_of(target)
        st.markdown(_("Roles now: {roles}").format(
            roles=", ".join(role_words[role] for role in Role if role in now_roles) or "—"))
st.markdown(_("**Suspend**: the organization can no longer act until a regulator reinstates it."))
suspend_document, _name = decision_document("suspend")


def need_target() -> str:
    if target is None:
        raise PlatformError(_("Choose an organization, or type its account."))
    return target


act("suspend", _("Suspend in the wallet"),
    lambda: participants.suspend(deployment, identity.account, need_target(), store(suspend_document)),
    lambda: status_of(target) == Status.SUSPENDED)
st.markdown(_("**Reinstate**: lift the organization's suspension."))
act("reinstate", _("Reinstate in the wallet"),
    lambda: participants.reinstate(deployment, identity.account, need_target()),
    lambda: status_of(target) == Status.ACTIVE)
st.markdown(_("**Change roles**: the organization acts in exactly the roles chosen."))
governed(_("Granting or taking away the regulator role is governed."))
new_roles = st.multiselect(_("New roles"), role_choices, key="roles_new", format_func=lambda role: role_words[role])
chosen_roles = Role(sum(int(role) for role in new_roles))
act("set_roles", _("Change the roles in the wallet"),
    lambda: participants.set_roles(deployment, identity.account, need_target(), chosen_roles),
    lambda: roles_of(target) == chosen_roles)
st.markdown(_("**Revoke**: the organization is removed for good; its account can never act or apply again."))
governed(_("Revoking is governed."))
revoke_document, _name = decision_document("revoke")
act("revoke", _("Revoke in the wallet"),
    lambda: participants.revoke(deployment, identity.account, need_target(), store(revoke_document)),
    lambda: status_of(target) == Status.REVOKED)

# --- 3. Metadata waiting for review ------------------------------------------------------------
st.subheader(_("Metadata waiting for review"))
st.caption(_("An approved organization's new metadata (name, INN/OGRN, licence...) waits for a regulator: "
             "verdicts keep showing the approved one until it is approved."))
from dapp.identity.metadata_review import document_name, document_text, waiting_for_review  # noqa: E402

try:
    reviews = waiting_for_review(reader, [found.account for found in known])
except PlatformError as error:
    st.warning(_("The registry cannot be read: {error}").format(error=error))
    reviews = []
if rows is not None and not reviews:
    st.info(_("No organization's metadata is waiting for review."))
review = None
if reviews:
    review_names = {found.account: found.display_name for found in known}
    reviewed = st.selectbox(_("Organization whose metadata waits"), [r.account for r in reviews], key="review_who",
                            format_func=lambda a: f"{review_names.get(a, a)} ({a[:8]}…)")
    review = next(r for r in reviews if r.account == reviewed)
    approved_column, submitted_column = st.columns(2)
    with approved_column:
        st.markdown(_("**Approved** ({cid})").format(cid=plain(review.approved_cid)))
        st.code(document_text(review.approved_cid), language="json", wrap_lines=True)
    with submitted_column:
        st.markdown(_("**Submitted** ({cid})").format(cid=plain(review.submitted_cid)))
        st.code(document_text(review.submitted_cid), language="json", wrap_lines=True)
    new_name = document_name(review.submitted_cid)
    if new_name and new_name != review_names.get(review.account):
        st.markdown(_("The organization would then be shown as: {name}").format(name=plain(new_name)))


def need_review():
    if review is None:
        raise PlatformError(_("No organization's metadata is waiting for review."))
    return review


act("metadata_approve", _("Approve the new metadata in the wallet"),
    lambda: participants.approve_metadata(deployment, identity.account, need_review().account),
    lambda: review is None or reader.one(reader.call("Participants", "organization", review.account)).metadata_cid
    == review.submitted_cid)
st.markdown(_("**Reject** the new metadata: the approved one stays; give the reason."))
metadata_document, _name = decision_document("metadata_reject")
act("metadata_reject", _("Reject the new metadata in the wallet"),
    lambda: participants.reject_metadata(deployment, identity.account, need_review().account, store(metadata_document)),
    lambda: review is None or not reader.one(reader.call("Participants", "pending_metadata", review.account)))

# --- 4. Recall or withdraw a batch -------------------------------------------------------------
st.subheader(_("Recall or withdraw a batch"))


def batches() -> list[dict] | None:
    from dapp.records.models import Batch, Product

    try:
        with database().connect() as connection:
            found = connection.execute(
                select(Batch.batch_id, Batch.gtin, Batch.lot, Batch.status, Product.name)
                .join(Product, Product.gtin == Batch.gtin, isouter=True).order_by(Batch.gtin, Batch.lot)).all()
    except (SQLAlchemyError, PlatformError):
        return None
    return [dict(row._mapping) for row in found]


def holders(batch_id: str) -> list[tuple[str, int]] | None:
    """(organization, units held) of a batch, from the database's stock movements."""
    from dapp.records.models import Movement

    try:
        with database().connect() as connection:
            found = connection.execute(
                select(Movement.organization, func.sum(Movement.quantity).label("held"))
                .where(Movement.batch_id == batch_id).group_by(Movement.organization)).all()
    except (SQLAlchemyError, PlatformError):
        return None
    return [(row.organization, int(row.held)) for row in found if int(row.held or 0) > 0]


listed = batches()
known_batches = [b for b in (listed or []) if b["status"] == "active"]
if listed is None:
    st.warning(_("The platform's database cannot be read: type the batch's GTIN and lot."))
labels = {f"{b['gtin']}/{b['lot']}": b for b in known_batches}
picked = st.selectbox(_("Batch"), list(labels), key="recall_batch", index=None, placeholder=_("choose a batch"),
                      format_func=lambda k: f"{labels[k]['name'] or ''} — {k}")
gtin_typed = st.text_input(_("or its GTIN"), key="recall_gtin")
lot_typed = st.text_input(_("and its lot"), key="recall_lot")
gtin, lot = (labels[picked]["gtin"], labels[picked]["lot"]) if picked else ("", "")
if gtin_typed.strip() and lot_typed.strip():
    gtin, lot = gtin_typed.strip(), lot_typed.strip()
kind = st.radio(_("Decision"), ["recall", "withdraw"], key="recall_kind", horizontal=True,
                format_func=lambda k: _("recall") if k == "recall" else _("withdraw"))
reason = st.selectbox(_("Reason"), list(resources.REASONS), key="recall_reason",
                      format_func=lambda code: _(resources.REASONS[code]))
recall_document, _name = decision_document("recall")


def batch_status(gtin=gtin, lot=lot) -> BatchStatus:
    return BatchStatus(int(reader.one(reader.call("Resources", "batch", int(gtin), lot)).status))


def prepare_recall():
    if not gtin or not lot:
        raise PlatformError(_("Choose a batch, or type its GTIN and lot."))
    retire = resources.recall_batch if kind == "recall" else resources.withdraw_batch
    st.session_state["_regulator_recalled"] = (gtin, lot)
    return retire(deployment, identity.account, gtin, lot, reason, store(recall_document))


act("recall", _("Recall or withdraw in the wallet"), prepare_recall,
    lambda: batch_status() in (BatchStatus.RECALLED, BatchStatus.WITHDRAWN))
retired = st.session_state.get("_regulator_recalled")
task = st.session_state.get("_wallet_task_recall")
if retired and task is not None and task.outcome is not None and task.outcome.ok:
    from dapp.verification.verdicts import batch_id as batch_id_of

    retired_gtin, retired_lot = retired
    st.markdown(_("Who holds batch {gtin}/{lot} now:").format(gtin=plain(retired_gtin), lot=plain(retired_lot)))
    held = holders("0x" + batch_id_of(int(retired_gtin), retired_lot).hex())
    if held is None:
        st.warning(_("The platform's database cannot be read: the batch's holders are not known here."))
    elif not held:
        st.info(_("The database knows of no organization holding units of this batch."))
    else:
        names_of = {found.account: found.display_name for found in known}
        st.dataframe(pd.DataFrame([{_("Organization"): names_of.get(account, account), _("Account"): account,
                                    _("Units held"): units} for account, units in held]), hide_index=True)

# --- 5. Lift a recall or withdrawal ------------------------------------------------------------
st.subheader(_("Lift a recall or withdrawal"))
governed(_("Lifting a recall or withdrawal makes the batch active again."))
retired_batches = {f"{b['gtin']}/{b['lot']}": b for b in (listed or []) if b["status"] in ("recalled", "withdrawn")}
lift_picked = st.selectbox(_("Recalled or withdrawn batch"), list(retired_batches), key="lift_batch", index=None,
                           placeholder=_("choose a batch"),
                           format_func=lambda k: f"{retired_batches[k]['name'] or ''} — {k} "
                                                 f"({_('recalled') if retired_batches[k]['status'] == 'recalled' else _('withdrawn')})")
lift_gtin_typed = st.text_input(_("or its GTIN"), key="lift_gtin")
lift_lot_typed = st.text_input(_("and its lot"), key="lift_lot")
lift_gtin, lift_lot = ((retired_batches[lift_picked]["gtin"], retired_batches[lift_picked]["lot"]) if lift_picked
                       else ("", ""))
if lift_gtin_typed.strip() and lift_lot_typed.strip():
    lift_gtin, lift_lot = lift_gtin_typed.strip(), lift_lot_typed.strip()
lift_document, _name = decision_document("lift")


def prepare_lift():
    if not lift_gtin or not lift_lot:
        raise PlatformError(_("Choose a batch, or type its GTIN and lot."))
    return resources.reinstate_batch(deployment, identity.account, lift_gtin, lift_lot, store(lift_document))


act("lift", _("Lift the recall or withdrawal in the wallet"), prepare_lift,
    lambda: batch_status(lift_gtin, lift_lot) == BatchStatus.ACTIVE)

# --- 6. Company prefixes and successor moves ---------------------------------------------------
st.subheader(_("Company prefixes and successor moves"))
st.markdown(_("**Assign a GS1 company prefix** to a manufacturer: only it registers GTINs under the prefix."))
governed(_("Taking a prefix another manufacturer holds is governed."))
manufacturers = {found.account: found.display_name for found in known
                 if found.status == Status.ACTIVE and Role.MANUFACTURER in found.roles}
prefix_holder_account = st.selectbox(_("Manufacturer"), list(manufacturers), key="prefix_who", index=None,
                                     placeholder=_("choose a manufacturer"),
                                     format_func=lambda a: f"{manufacturers[a]} ({a[:8]}…)")
prefix_digits = st.text_input(_("Company prefix (6 to 12 digits, leading zeros count)"), key="prefix_digits").strip()


def prefix_owner(prefix: str) -> str | None:
    """The manufacturer holding `prefix` now (None when none, or the prefix is not 6 to 12 digits)."""
    if not prefix.isdigit() or not 6 <= len(prefix) <= 12:
        return None
    owner = str(reader.one(reader.call("Resources", "prefix_owner", int(prefix), len(prefix))))
    return None if int(owner, 16) == 0 else to_checksum_address(owner)


try:
    holder_now = prefix_owner(prefix_digits)
except PlatformError:
    holder_now = None
if holder_now is not None:
    every_name = {found.account: found.display_name for found in known}
    st.markdown(_("The prefix {prefix} is held now by {holder}.").format(
        prefix=plain(prefix_digits), holder=plain(every_name.get(holder_now, holder_now))))


def prepare_prefix():
    if prefix_holder_account is None:
        raise PlatformError(_("Choose the manufacturer."))
    return resources.assign_prefix(deployment, identity.account, prefix_digits, prefix_holder_account)


act("prefix", _("Assign the prefix in the wallet"), prepare_prefix,
    lambda: prefix_owner(prefix_digits) == prefix_holder_account)
st.markdown(_("**Move to a successor account** (a stolen or rotated key, a merger): the successor takes the "
              "organization's status, roles and approved metadata; the old account is revoked."))
governed(_("Moving is governed."))
movable = {found.account: found.display_name for found in registered}
moved = st.selectbox(_("Organization to move"), list(movable), key="move_who", index=None,
                     placeholder=_("choose an organization"), format_func=lambda a: f"{movable[a]} ({a[:8]}…)")
successor_typed = st.text_input(_("Successor account (0x…)"), key="move_successor").strip()


def prepare_move():
    if moved is None:
        raise PlatformError(_("Choose the organization to move."))
    if not successor_typed:
        raise PlatformError(_("Type the successor's account."))
    return participants.move_to_successor(deployment, identity.account, moved, successor_typed)


act("move", _("Move in the wallet"), prepare_move,
    lambda: str(reader.one(reader.call("Participants", "successor", moved))).lower() == successor_typed.lower())

# --- 7. Suspect-pack reports -------------------------------------------------------------------
st.subheader(_("Suspect-pack reports"))
from dapp.records.suspect_reports import reports_page  # noqa: E402

try:
    page_number = int(st.session_state.get("reports_page", 1))
    page = reports_page(database(), page_number, PER_PAGE)
except (SQLAlchemyError, PlatformError, ValueError) as error:
    st.warning(_("The reports cannot be read: {error}").format(error=error))
    page = None
if page is not None:
    if not page.total:
        st.info(_("No suspect pack has been reported."))
    else:
        if page.pages > 1:
            st.number_input(_("Page"), min_value=1, max_value=page.pages, step=1, key="reports_page")
        st.caption(_("{total} reports, page {page} of {pages}, newest first.").format(
            total=page.total, page=page.page, pages=page.pages))
        table = pd.DataFrame([{
            _("Received"): format_datetime(row["received_at"].replace(tzinfo=UTC)),
            _("Code"): row["code_text"] or "",
            _("Status"): row["status"] or "",
            _("Reasons"): ", ".join(row["reasons"]),
            _("Reporter"): row["reporter"] or "",
            _("Anchored"): _("yes") if row["anchor_confirmed"] else _("no"),
            _("Contact"): row["contact"] or "",
        } for row in page.rows])
        st.dataframe(table, hide_index=True)
        st.download_button(_("Download the reports (CSV)"), table.to_csv(index=False).encode("utf-8"),
                           file_name="suspect-reports.csv", mime="text/csv", key="reports_csv")

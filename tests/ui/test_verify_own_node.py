"""The Verify page's "Check with my own node" (AppTest): what the page asks the browser wallet to
run again. The wallet's side (the component in Chromium) is tests/browser/test_own_node_check.py."""

from dapp.i18n import _, use_language
from tests.ui.test_verify_page import label_text, submit_text

BUTTON = "Check with my own node"


def own_node_buttons(app, language: str = "en"):
    with use_language(language):
        label = _(BUTTON)
    return [button for button in app.button if button.label == label]


def the_check(app) -> dict:
    checks = app.session_state["own_node_checks"]
    assert len(checks) == 1
    return next(iter(checks.values()))


def test_own_node__verdict__offers_the_check_and_asks_the_wallet(create_app, demo_chain):
    app = create_app(code=label_text(demo_chain, "genuine"))
    assert len(own_node_buttons(app)) == 1
    verdict = app.session_state["verify_result"].verdicts[0]
    receipt = verdict.receipt
    assert any(f"at block {receipt['block']['number']}" in caption.value and
               f"{len(receipt['calls'])} calls" in caption.value for caption in app.caption)
    own_node_buttons(app)[0].click()
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    request = the_check(app)["request"]
    assert request["kind"] == "recheck" and request["account"] is None
    assert request["block"] == hex(receipt["block"]["number"])
    assert [call["data"] for call in request["calls"]] == [call["calldata"] for call in receipt["calls"]]
    assert any("Asking your wallet's node" in caption.value for caption in app.caption)


def test_own_node__suspect_verdict__offered_too(create_app, demo_chain):
    app = create_app(code=label_text(demo_chain, "recalled"))
    assert len(own_node_buttons(app)) == 1


def test_own_node__malformed_code__not_offered(create_app):
    app = submit_text(create_app(), "4607001120018")
    assert own_node_buttons(app) == []


def test_own_node__russian(create_app, demo_chain):
    app = create_app(language="ru", code=label_text(demo_chain, "genuine"))
    assert len(own_node_buttons(app, "ru")) == 1

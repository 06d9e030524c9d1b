"""The building blocks of models.app, used the way a new user would: other names, other wiring."""

from __future__ import annotations

import pytest

from statebound.checker import Verdict, check
from statebound.models.app import Deployment, assemble
from statebound.models.client import Client, ReconnectPolicy
from statebound.models.components import component, provider, service
from statebound.models.session import SessionStore
from statebound.properties.session_boundary import rules


def test_every_name_is_the_users() -> None:
    store = SessionStore(name="auth", server="api")
    feed = component("Feed", store=store)
    system = assemble("custom", components=[feed], clients=[provider("Live", endpoint="live", consumers=[feed])],
                      store=store, server_name="api", properties=rules)
    assert [i.name for i in system.instances] == [
        "auth", "api", "Feed", "Live.client", "Live.client.ws1", "Live.client.ws2"]
    report = check(system)
    assert [o.property for o in report.outcomes if o.verdict is not Verdict.HOLDS] == []
    assert report.coverage.states == 2884  # the same app as phase3.after(), renamed


def test_a_service_and_a_shared_client_on_two_endpoints() -> None:
    views = [component("Inbox"), component("Thread")]
    system = assemble("two-endpoints", components=[*views, service("Presence")],
                      clients=[provider("Chat", endpoint="chat", consumers=views),
                               Client(name="Presence.client", endpoint="presence", policy=ReconnectPolicy.reference(),
                                      subscribers=(service("Presence"),), slots=1)],
                      deployment=Deployment(auth_mode="post-auth"), properties=rules)
    report = check(system)
    assert [o.property for o in report.outcomes if o.verdict is not Verdict.HOLDS] == []
    # a 4401 on one endpoint ends the session, and the store closes the other endpoint's client in that step
    assert report.coverage.unfired == ()


def test_bad_options_are_reported() -> None:
    with pytest.raises(ValueError, match=r"retry='sometimes'.*token='jwt'"):
        ReconnectPolicy(retry="sometimes", token="jwt")
    with pytest.raises(ValueError, match=r"logins=0.*auth_mode='sso'"):
        Deployment(logins=0, auth_mode="sso")
    with pytest.raises(ValueError, match="effect='always'"):
        component("X", effect="always")


@pytest.mark.parametrize(("change", "deployment"), [
    ({"handshake_timeout": False}, {}),
    ({"retry": "every-close"}, {}),
    ({"retry": "every-close"}, {"auth_mode": "post-auth"}),
    ({}, {"refresh": True, "token_waits_for_refresh": False}),
])
def test_what_after_does_not_need(change: dict[str, object], deployment: dict[str, object]) -> None:
    # good practice, but no rule depends on it (docs/phase3.md): the token request covers it
    chat = component("ChatAssistant")
    shared = provider("ChatProvider", endpoint="chat", consumers=[chat],
                      policy=ReconnectPolicy.reference().but(**change))
    system = assemble("lighter", components=[chat], clients=[shared],
                      deployment=Deployment(**deployment),  # type: ignore[arg-type]
                      properties=rules)
    assert [o.property for o in check(system).outcomes if o.verdict is not Verdict.HOLDS] == []

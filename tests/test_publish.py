"""`digest publish`: the issue as a draft on Buttondown, listmonk or Ghost, against loopback
stand-ins written from each platform's API documentation (tests/publish_servers.py).

What an editor notices: the draft carries the issue's title, headline and content; a second
run updates the same draft instead of making another; --schedule schedules it; credentials
come only from the environment and never show up in any output; failures are one line that
says what to fix, and an unavailable platform is exit 3 after a couple of retries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

import digest.publish
from conftest import run
from digest.store import Store
from publish_servers import Buttondown, Ghost, Listmonk

ISSUE = "issues/2022-10-23.md"
TITLE = "2022-10-23 arXiv roundup: CNNs dominating sequence modeling, SetFit, Google finetuning trifecta"
HEADLINE = "CNNs dominating sequence modeling, SetFit, Google finetuning trifecta"
NEXT_YEAR = datetime.now(timezone.utc).year + 1


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retries wait through `digest.publish.sleep`: recorded here, never slept."""
    waited: list[float] = []
    monkeypatch.setattr(digest.publish, "sleep", waited.append)
    return waited


@pytest.fixture()
def buttondown(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Buttondown]:
    with Buttondown(token="bd-SECRET-7f3a9c") as server:
        monkeypatch.setenv("DIGEST_PUBLISH_BUTTONDOWN_URL", server.api)
        monkeypatch.setenv("DIGEST_BUTTONDOWN_TOKEN", server.token)
        yield server


@pytest.fixture()
def listmonk(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Listmonk]:
    with Listmonk(user="digest-bot", token="lm-SECRET-41b7e2") as server:
        monkeypatch.setenv("DIGEST_PUBLISH_LISTMONK_URL", server.url)
        monkeypatch.setenv("DIGEST_PUBLISH_LISTMONK_LISTS", "3,5")
        monkeypatch.setenv("DIGEST_LISTMONK_USER", server.user)
        monkeypatch.setenv("DIGEST_LISTMONK_TOKEN", server.token)
        yield server


@pytest.fixture()
def ghost(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ghost]:
    with Ghost() as server:
        monkeypatch.setenv("DIGEST_PUBLISH_GHOST_URL", server.url)
        monkeypatch.setenv("DIGEST_GHOST_ADMIN_KEY", server.admin_key)
        yield server


def remembered(newsletter: Path, platform: str) -> dict[str, str] | None:
    with Store.open(newsletter / ".digest" / "store.sqlite") as store:
        value = store.get_value(f"publish:{platform}:2022-10-23")
    return json.loads(value) if value else None


def set_headline(newsletter: Path, headline: str) -> None:
    path = newsletter / ISSUE
    path.write_text(path.read_text(encoding="utf-8").replace(f"headline: {HEADLINE}", f"headline: {headline}"), encoding="utf-8")


def rendered(newsletter: Path, fmt: str) -> str:
    code, out, err = run("render", ISSUE, "--format", fmt, "--out", "-")
    assert code == 0, err
    return out


# --- Buttondown ----------------------------------------------------------------------------------


def test_buttondown_gets_a_draft_with_the_issue_markdown(buttondown: Buttondown, newsletter: Path) -> None:
    code, out, err = run("publish", ISSUE, "--to", "buttondown")

    assert code == 0, err
    (email,) = buttondown.emails.values()
    assert out == f"published {ISSUE} to buttondown as draft {email['id']} (created) {email['absolute_url']}\n"
    assert buttondown.sent() == ["POST /v1/emails"]
    req = buttondown.requests[0]
    assert req.header("Authorization") == f"Token {buttondown.token}"
    assert req.header("Content-Type") == "application/json"
    sent = req.json
    assert sent["status"] == "draft"  # always explicit: older API versions send an email created without one
    assert "publish_date" not in sent
    assert sent["subject"] == TITLE
    assert sent["description"] == HEADLINE
    markdown = rendered(newsletter, "md")
    assert markdown.startswith(f"# {TITLE}\n\n")
    assert sent["body"] == markdown.removeprefix(f"# {TITLE}\n\n")  # the title is Buttondown's subject, not a heading
    assert sent["body"].startswith("This newsletter made possible by MosaicML.")
    assert "## [UL2: Unifying Language Learning Paradigms](https://arxiv.org/abs/2205.05131)" in sent["body"]
    assert email["status"] == "draft"
    assert remembered(newsletter, "buttondown") == {"id": email["id"], "site": buttondown.api}


def test_buttondown_rerun_updates_the_same_draft(buttondown: Buttondown, newsletter: Path) -> None:
    assert run("publish", ISSUE, "--to", "buttondown")[0] == 0
    set_headline(newsletter, "SetFit and friends")

    code, out, err = run("publish", ISSUE, "--to", "buttondown")

    assert code == 0, err
    (email,) = buttondown.emails.values()  # one email, not two
    assert out.startswith(f"published {ISSUE} to buttondown as draft {email['id']} (updated)")
    assert buttondown.sent() == ["POST /v1/emails", f"GET /v1/emails/{email['id']}", f"PATCH /v1/emails/{email['id']}"]
    assert email["subject"] == "2022-10-23 arXiv roundup: SetFit and friends"
    assert email["description"] == "SetFit and friends"
    assert buttondown.requests[-1].json["status"] == "draft"


def test_buttondown_schedule_and_back_to_draft(buttondown: Buttondown, newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_TIMEZONE", "Europe/Berlin")

    code, out, err = run("publish", ISSUE, "--to", "buttondown", "--schedule", f"{NEXT_YEAR}-07-01T08:00")

    assert code == 0, err
    (email,) = buttondown.emails.values()
    sent = buttondown.requests[-1].json
    assert (sent["status"], sent["publish_date"]) == ("scheduled", f"{NEXT_YEAR}-07-01T06:00:00Z")  # 08:00 CEST
    assert email["status"] == "scheduled"
    assert f"as scheduled {email['id']} for {NEXT_YEAR}-07-01T08:00+02:00 (created)" in out

    code, out, err = run("publish", ISSUE, "--to", "buttondown")  # no --schedule: a draft again

    assert code == 0, err
    assert len(buttondown.emails) == 1
    sent = buttondown.requests[-1].json
    assert (sent["status"], sent["publish_date"]) == ("draft", "none")  # "none" clears the date, per Buttondown's docs
    assert (buttondown.emails[email["id"]]["status"], buttondown.emails[email["id"]]["publish_date"]) == ("draft", None)
    assert f"as draft {email['id']} (updated)" in out


def test_a_draft_deleted_on_the_platform_is_made_again(buttondown: Buttondown, newsletter: Path) -> None:
    assert run("publish", ISSUE, "--to", "buttondown")[0] == 0
    (old,) = list(buttondown.emails)
    del buttondown.emails[old]

    code, out, err = run("publish", ISSUE, "--to", "buttondown")

    assert code == 0, err
    (new,) = list(buttondown.emails)
    assert new != old
    assert f"the Buttondown email {old} made for 2022-10-23 is gone from Buttondown (deleted there?); making a new one" in err
    assert f"as draft {new} (created)" in out
    assert remembered(newsletter, "buttondown")["id"] == new


def test_a_sent_email_is_left_alone(buttondown: Buttondown, newsletter: Path) -> None:
    assert run("publish", ISSUE, "--to", "buttondown")[0] == 0
    (email,) = buttondown.emails.values()
    email["status"] = "sent"

    code, out, err = run("publish", ISSUE, "--to", "buttondown")

    assert code == 1
    assert out == ""
    assert err == (
        f"{ISSUE}: the Buttondown email {email['id']} made for 2022-10-23 is sent now; digest changes only drafts and "
        "scheduled ones. Edit it on Buttondown, or delete it there and run again for a new draft\n"
    )
    assert [r.method for r in buttondown.requests] == ["POST", "GET"]


def test_missing_token_is_a_settings_error_naming_the_variable(buttondown: Buttondown, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIGEST_BUTTONDOWN_TOKEN")

    code, out, err = run("publish", ISSUE, "--to", "buttondown")

    assert code == 2
    assert err.startswith("DIGEST_BUTTONDOWN_TOKEN: not set; export your Buttondown API key")
    assert len(err.splitlines()) == 1
    assert buttondown.requests == []


def test_a_refused_token_names_the_variable_and_is_never_shown(buttondown: Buttondown, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_BUTTONDOWN_TOKEN", "bd-WRONG-0d15ea5e")

    code, out, err = run("-v", "publish", ISSUE, "--to", "buttondown")

    assert code == 2
    assert err.splitlines()[-1] == (
        "DIGEST_BUTTONDOWN_TOKEN: Buttondown refused the API key (HTTP 401: Invalid token.); check that "
        "DIGEST_BUTTONDOWN_TOKEN holds the API key of this newsletter (Buttondown: Settings, API)"
    )
    assert "bd-WRONG-0d15ea5e" not in out + err
    assert len(buttondown.requests) == 1  # a refused key is not retried


def test_the_platforms_own_message_for_a_refusal(buttondown: Buttondown, newsletter: Path) -> None:
    buttondown.faults = [(400, {"code": "email_duplicate", "detail": "An email with the same identifiers already exists."}, {})]

    code, out, err = run("publish", ISSUE, "--to", "buttondown")

    assert code == 1
    assert err == (
        f"{ISSUE}: Buttondown refused to create the draft (HTTP 400): An email with the same identifiers already exists.\n"
    )
    assert len(buttondown.requests) == 1
    assert remembered(newsletter, "buttondown") is None


def test_5xx_is_retried_with_backoff(buttondown: Buttondown, sleeps: list[float]) -> None:
    buttondown.faults = [503, 502]

    code, out, err = run("publish", ISSUE, "--to", "buttondown")

    assert code == 0, err
    assert sleeps == [2.0, 4.0]
    assert buttondown.sent() == ["POST /v1/emails"] * 3
    assert len(buttondown.emails) == 1


def test_retry_after_is_honoured(buttondown: Buttondown, sleeps: list[float]) -> None:
    buttondown.faults = [(429, {"detail": "Request was throttled."}, {"Retry-After": "7"})]

    assert run("publish", ISSUE, "--to", "buttondown")[0] == 0
    assert sleeps == [7.0]


def test_an_unavailable_platform_is_exit_3_after_retries(buttondown: Buttondown, sleeps: list[float], newsletter: Path) -> None:
    buttondown.faults = [503, 503, 503]

    code, out, err = run("publish", ISSUE, "--to", "buttondown")

    assert code == 3
    assert err == (
        f"{ISSUE}: Buttondown: POST {buttondown.api}/emails: HTTP 503 (Server Error) after 3 attempts; try again later\n"
    )
    assert sleeps == [2.0, 4.0]
    assert buttondown.emails == {} and remembered(newsletter, "buttondown") is None

    assert run("publish", ISSUE, "--to", "buttondown")[0] == 0  # cron's next run makes the draft
    assert len(buttondown.emails) == 1


def test_a_read_that_times_out_is_retried(buttondown: Buttondown, monkeypatch: pytest.MonkeyPatch, sleeps: list[float]) -> None:
    assert run("publish", ISSUE, "--to", "buttondown")[0] == 0
    monkeypatch.setattr(digest.publish, "TIMEOUT", 0.2)
    buttondown.hang = 1  # the GET before the update gets no answer

    code, out, err = run("publish", ISSUE, "--to", "buttondown")

    assert code == 0, err
    assert [r.method for r in buttondown.requests] == ["POST", "GET", "GET", "PATCH"]
    assert sleeps == [2.0]
    assert "(updated)" in out and len(buttondown.emails) == 1


def test_a_create_without_an_answer_is_not_repeated(buttondown: Buttondown, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digest.publish, "TIMEOUT", 0.2)
    buttondown.hang = 1

    code, out, err = run("publish", ISSUE, "--to", "buttondown")

    assert code == 3
    assert [r.method for r in buttondown.requests] == ["POST"]  # a second POST could make a second email
    assert err.startswith(f"{ISSUE}: Buttondown: no answer within 0.2 s waiting for the answer to create the draft")
    assert "look on Buttondown before running again" in err
    assert len(err.splitlines()) == 1


def test_a_redirect_names_the_setting(buttondown: Buttondown) -> None:
    buttondown.faults = [(301, b"", {"Location": "https://api.buttondown.com/v1/emails"})]

    code, out, err = run("publish", ISSUE, "--to", "buttondown")

    assert code == 2
    assert err == (
        f"publish.buttondown_url: Buttondown answered {buttondown.api}/emails with a redirect (HTTP 301) to "
        "https://api.buttondown.com/v1/emails; set publish.buttondown_url to the address it names\n"
    )


# --- listmonk ------------------------------------------------------------------------------------


def test_listmonk_gets_a_draft_campaign_with_html_and_plain_text(listmonk: Listmonk, newsletter: Path) -> None:
    code, out, err = run("publish", ISSUE, "--to", "listmonk")

    assert code == 0, err
    (camp,) = listmonk.campaigns.values()
    assert out == f"published {ISSUE} to listmonk as draft {camp['id']} (created) {listmonk.url}/admin/campaigns/{camp['id']}\n"
    (req,) = listmonk.requests
    assert (req.method, req.path) == ("POST", "/api/campaigns")
    assert req.header("Authorization") == "Basic ZGlnZXN0LWJvdDpsbS1TRUNSRVQtNDFiN2Uy"  # digest-bot:lm-SECRET-41b7e2
    sent = req.json
    assert sent["lists"] == [3, 5]  # numbers, as listmonk wants them
    assert (sent["type"], sent["content_type"]) == ("regular", "html")
    assert sent["name"] == sent["subject"] == TITLE
    assert "send_at" not in sent
    body = sent["body"]
    assert "<html" not in body and "<body" not in body and "<head" not in body  # listmonk's template wraps it
    assert "<h1 style=" in body and TITLE in body
    assert 'href="https://arxiv.org/abs/2205.05131"' in body
    assert body.index("display:none") < body.index("<h1")  # the preheader leads, for the inbox preview
    assert sent["altbody"] == rendered(newsletter, "text")
    assert camp["status"] == "draft"
    assert remembered(newsletter, "listmonk") == {"id": str(camp["id"]), "site": listmonk.url, "uuid": camp["uuid"]}


def test_listmonk_schedule_rerun_and_unschedule(listmonk: Listmonk, newsletter: Path) -> None:
    when = f"{NEXT_YEAR}-03-01T09:30:00+01:00"

    code, out, err = run("publish", ISSUE, "--to", "listmonk", "--schedule", when)

    assert code == 0, err
    (camp,) = listmonk.campaigns.values()
    cid = camp["id"]
    assert listmonk.sent() == ["POST /api/campaigns", f"PUT /api/campaigns/{cid}/status"]
    assert listmonk.requests[0].json["send_at"] == f"{NEXT_YEAR}-03-01T08:30:00Z"
    assert listmonk.requests[1].json == {"status": "scheduled"}
    assert camp["status"] == "scheduled"
    assert f"as scheduled {cid} for {NEXT_YEAR}-03-01T09:30+01:00 (created)" in out

    code, out, err = run("publish", ISSUE, "--to", "listmonk", "--schedule", f"{NEXT_YEAR}-03-02T09:30:00+01:00")

    assert code == 0, err
    assert listmonk.sent()[2:] == [f"GET /api/campaigns/{cid}", f"PUT /api/campaigns/{cid}"]  # still scheduled: one PUT
    assert (listmonk.campaigns[cid]["status"], listmonk.campaigns[cid]["send_at"]) == ("scheduled", f"{NEXT_YEAR}-03-02T08:30:00Z")

    code, out, err = run("publish", ISSUE, "--to", "listmonk")

    assert code == 0, err
    # listmonk edits only drafts' schedules back: unschedule first, then clear send_at with the content
    assert listmonk.sent()[4:] == [f"GET /api/campaigns/{cid}", f"PUT /api/campaigns/{cid}/status", f"PUT /api/campaigns/{cid}"]
    assert listmonk.requests[5].json == {"status": "draft"}
    assert listmonk.requests[6].json["send_at"] is None
    assert (listmonk.campaigns[cid]["status"], listmonk.campaigns[cid]["send_at"]) == ("draft", None)
    assert len(listmonk.campaigns) == 1
    assert f"as draft {cid} (updated)" in out


def test_listmonk_campaign_not_found_is_made_again(listmonk: Listmonk, newsletter: Path) -> None:
    assert run("publish", ISSUE, "--to", "listmonk")[0] == 0
    listmonk.campaigns.clear()  # listmonk answers a missing campaign with 400 "Campaign not found"

    code, out, err = run("publish", ISSUE, "--to", "listmonk")

    assert code == 0, err
    assert "the listmonk campaign 1 made for 2022-10-23 is gone from listmonk" in err
    assert list(listmonk.campaigns) == [2]
    assert "as draft 2 (created)" in out


def test_listmonk_id_reused_by_another_campaign_is_not_overwritten(listmonk: Listmonk, newsletter: Path) -> None:
    assert run("publish", ISSUE, "--to", "listmonk")[0] == 0
    listmonk.campaigns[1]["uuid"] = "00000000-0000-4000-8000-000000000000"  # the database was reset: id 1 is someone else's
    listmonk.campaigns[1]["name"] = "Someone else's campaign"

    assert run("publish", ISSUE, "--to", "listmonk")[0] == 0

    assert listmonk.campaigns[1]["name"] == "Someone else's campaign"
    assert listmonk.campaigns[2]["name"] == TITLE


def test_listmonk_gets_double_braces_as_written(listmonk: Listmonk, newsletter: Path) -> None:
    path = newsletter / ISSUE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Note: the first three papers", "Templates write {{ name }} for a field. Note: the first three papers"), encoding="utf-8")

    code, out, err = run("publish", ISSUE, "--to", "listmonk")

    assert code == 0, err  # the stand-in compiles the body as Go templates, as listmonk does
    assert listmonk._template_error("Templates write {{ name }} for a field.") is not None  # as written, it would fail
    sent = listmonk.requests[0].json
    assert 'Templates write {{ "{{" }} name }} for a field.' in sent["body"]
    assert 'Templates write {{ "{{" }} name }} for a field.' in sent["altbody"]


@pytest.mark.parametrize(
    ("lists", "message"),
    [
        ("", 'DIGEST_PUBLISH_LISTMONK_LISTS: publish.listmonk_lists: not set; add `[publish]` `listmonk_lists = ["3"]`'),
        ("3,news", "DIGEST_PUBLISH_LISTMONK_LISTS: publish.listmonk_lists: 'news' is not a list id"),
    ],
)
def test_listmonk_lists_must_be_list_ids(listmonk: Listmonk, monkeypatch: pytest.MonkeyPatch, lists: str, message: str) -> None:
    monkeypatch.setenv("DIGEST_PUBLISH_LISTMONK_LISTS", lists)

    code, out, err = run("publish", ISSUE, "--to", "listmonk")

    assert code == 2
    assert err.startswith(message)
    assert listmonk.requests == []


def test_listmonk_missing_user(listmonk: Listmonk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIGEST_LISTMONK_USER")

    code, out, err = run("publish", ISSUE, "--to", "listmonk")

    assert code == 2
    assert err.startswith("DIGEST_LISTMONK_USER: not set; in listmonk (Admin, Users) create an API user")
    assert listmonk.requests == []


def test_listmonk_refused_user_names_both_variables(listmonk: Listmonk) -> None:
    listmonk.faults = [(403, {"message": "Permission denied: campaigns:manage"}, {})]

    code, out, err = run("publish", ISSUE, "--to", "listmonk")

    assert code == 2
    assert err == (
        "DIGEST_LISTMONK_USER, DIGEST_LISTMONK_TOKEN: listmonk refused the API user (HTTP 403: Permission denied: "
        "campaigns:manage); check that the variables hold an API user's name and token, and that the API user's "
        "role may manage campaigns and those lists\n"
    )


# --- Ghost ---------------------------------------------------------------------------------------


def test_ghost_gets_a_draft_post_with_a_verified_token(ghost: Ghost, newsletter: Path) -> None:
    code, out, err = run("publish", ISSUE, "--to", "ghost")

    assert code == 0, err
    (post,) = ghost.posts.values()
    assert out == f"published {ISSUE} to ghost as draft {post['id']} (created) {ghost.url}/p/{post['uuid']}/\n"
    (req,) = ghost.requests
    assert (req.method, req.path, req.query) == ("POST", "/ghost/api/admin/posts/", {"source": ["html"]})
    assert req.header("Accept-Version") == "v5.0"
    assert req.header("Authorization").startswith("Ghost ey")
    (header, payload), = ghost.tokens  # the stand-in checked the signature with the secret
    assert header == {"alg": "HS256", "typ": "JWT", "kid": ghost.key_id}
    assert payload["aud"] == "/admin/"
    assert payload["exp"] - payload["iat"] == 300  # Ghost's maximum: five minutes
    assert abs(payload["iat"] - datetime.now(timezone.utc).timestamp()) < 60
    (sent,) = req.json["posts"]
    assert sent == {
        "title": TITLE,
        "html": sent["html"],
        "custom_excerpt": HEADLINE,
        "status": "draft",
    }
    html = sent["html"]
    assert html == rendered(newsletter, "substack").rstrip("\n")  # clean HTML Ghost turns into cards
    assert "<h1" not in html and "style=" not in html and "<table" not in html
    assert post["html"] == html  # kept: ?source=html was given
    assert remembered(newsletter, "ghost") == {"id": post["id"], "site": ghost.url}


def test_ghost_rerun_updates_with_the_current_updated_at(ghost: Ghost, newsletter: Path) -> None:
    assert run("publish", ISSUE, "--to", "ghost")[0] == 0
    (post_id,) = list(ghost.posts)
    ghost.touch(post_id)  # the editor saved it in Ghost since: updated_at moved on
    current = ghost.posts[post_id]["updated_at"]
    set_headline(newsletter, "SetFit and friends")

    code, out, err = run("publish", ISSUE, "--to", "ghost")

    assert code == 0, err
    assert ghost.sent()[1:] == [f"GET /ghost/api/admin/posts/{post_id}/", f"PUT /ghost/api/admin/posts/{post_id}/"]
    put = ghost.requests[-1]
    assert put.query == {"source": ["html"]}
    (sent,) = put.json["posts"]
    assert sent["updated_at"] == current
    assert (sent["status"], sent["published_at"]) == ("draft", None)
    assert len(ghost.posts) == 1
    assert ghost.posts[post_id]["title"] == "2022-10-23 arXiv roundup: SetFit and friends"
    assert ghost.posts[post_id]["custom_excerpt"] == "SetFit and friends"
    assert f"as draft {post_id} (updated)" in out
    assert len(ghost.tokens) == 3  # a fresh token for every request


def test_ghost_update_collision_is_one_line(ghost: Ghost) -> None:
    assert run("publish", ISSUE, "--to", "ghost")[0] == 0
    (post_id,) = list(ghost.posts)
    ghost.after_read = ghost.touch  # someone saves the post between digest's read and its write

    code, out, err = run("publish", ISSUE, "--to", "ghost")

    assert code == 1
    assert err == (
        f"{ISSUE}: Ghost refused to update post {post_id} (HTTP 409: Saving failed! Someone else is editing this "
        "post.): it changed on Ghost while digest was updating it; close it in Ghost's editor and run again\n"
    )


def test_ghost_schedule(ghost: Ghost, newsletter: Path) -> None:
    code, out, err = run("publish", ISSUE, "--to", "ghost", "--schedule", f"{NEXT_YEAR}-10-23T07:00Z")

    assert code == 0, err
    (post,) = ghost.posts.values()
    (sent,) = ghost.requests[0].json["posts"]
    assert (sent["status"], sent["published_at"]) == ("scheduled", f"{NEXT_YEAR}-10-23T07:00:00.000Z")
    assert post["status"] == "scheduled"
    assert f"as scheduled {post['id']} for {NEXT_YEAR}-10-23T07:00+00:00 (created)" in out


def test_ghost_published_post_is_left_alone(ghost: Ghost) -> None:
    assert run("publish", ISSUE, "--to", "ghost")[0] == 0
    (post,) = ghost.posts.values()
    post["status"] = "published"

    code, out, err = run("publish", ISSUE, "--to", "ghost")

    assert code == 1
    assert f"the Ghost post {post['id']} made for 2022-10-23 is published now" in err
    assert [r.method for r in ghost.requests] == ["POST", "GET"]


def test_ghost_key_that_is_not_an_admin_key(ghost: Ghost, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_GHOST_ADMIN_KEY", "22444f78447824223cefc48062")  # a Content API key, no ID:SECRET

    code, out, err = run("publish", ISSUE, "--to", "ghost")

    assert code == 2
    assert err.startswith("DIGEST_GHOST_ADMIN_KEY: not an Admin API key (expected ID:SECRET, both hexadecimal)")
    assert "22444f78447824223cefc48062" not in err
    assert ghost.requests == []


def test_ghost_wrong_secret_is_refused_by_the_signature_check(ghost: Ghost, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "0f" * 32
    monkeypatch.setenv("DIGEST_GHOST_ADMIN_KEY", f"{ghost.key_id}:{wrong}")

    code, out, err = run("-v", "publish", ISSUE, "--to", "ghost")

    assert code == 2
    assert err.splitlines()[-1].startswith(
        "DIGEST_GHOST_ADMIN_KEY: Ghost refused the Admin API key (HTTP 401: Invalid token: invalid signature); check"
    )
    assert wrong not in out + err and "Ghost ey" not in err
    assert ghost.posts == {}


# --- for every platform --------------------------------------------------------------------------


def test_credentials_never_appear_in_any_output(buttondown: Buttondown, listmonk: Listmonk, ghost: Ghost,
                                                newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = [buttondown.token, listmonk.token, ghost.secret_hex, ghost.admin_key]
    outputs = []
    for platform in ("buttondown", "listmonk", "ghost"):
        outputs.append(run("-v", "publish", ISSUE, "--to", platform))  # created
        outputs.append(run("-v", "publish", ISSUE, "--to", platform))  # updated
    buttondown.faults = [(400, {"detail": f"bad token {buttondown.token}"}, {})]  # a platform echoing its secret back
    listmonk.faults = [(400, {"message": f"bad token {listmonk.token}"}, {})]
    ghost.faults = [(400, {"errors": [{"message": f"bad key {ghost.admin_key}", "context": ghost.secret_hex}]}, {})]
    for platform in ("buttondown", "listmonk", "ghost"):
        outputs.append(run("-v", "publish", ISSUE, "--to", platform))
    monkeypatch.setenv("DIGEST_PUBLISH_GHOST_URL", "http://127.0.0.1:9")  # nothing listens there
    outputs.append(run("-v", "publish", ISSUE, "--to", "ghost"))

    assert [code for code, _, _ in outputs] == [0] * 6 + [1] * 3 + [3]
    text = "".join(out + err for _, out, err in outputs)
    assert "[redacted]" in text
    for s in secrets:
        assert s not in text
    assert "Ghost ey" not in text and "Basic " not in text and "Token " not in text
    store = (newsletter / ".digest" / "store.sqlite").read_bytes()
    assert not any(s.encode() in store for s in secrets)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("next sunday", "--schedule: 'next sunday' is not a date and time; use ISO 8601, e.g. 2026-12-06T08:00"),
        ("2030-10-23", "--schedule: '2030-10-23' has no time of day; give one"),
        ("2001-10-23T08:00", "--schedule: 2001-10-23T08:00+00:00 is in the past (it is "),
    ],
)
def test_schedule_must_be_a_future_date_and_time(buttondown: Buttondown, value: str, message: str) -> None:
    code, out, err = run("publish", ISSUE, "--to", "buttondown", "--schedule", value)

    assert code == 2
    assert err.startswith(message)
    assert buttondown.requests == []


def test_missing_address_names_the_setting(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_GHOST_ADMIN_KEY", Ghost.key_id + ":" + Ghost.secret_hex)

    code, out, err = run("publish", ISSUE, "--to", "ghost")

    assert code == 2
    assert err == 'digest.toml: publish.ghost_url: not set; add `[publish]` `ghost_url = "https://blog.example.org"`\n'


def test_clear_text_to_another_machine_needs_insecure(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_PUBLISH_LISTMONK_URL", "http://lists.example.org")
    monkeypatch.setenv("DIGEST_PUBLISH_LISTMONK_LISTS", "3")
    monkeypatch.setenv("DIGEST_LISTMONK_USER", "u")
    monkeypatch.setenv("DIGEST_LISTMONK_TOKEN", "t")

    code, out, err = run("publish", ISSUE, "--to", "listmonk")

    assert code == 2
    assert err == (
        "DIGEST_PUBLISH_LISTMONK_URL: publish.listmonk_url: http://lists.example.org would send your credentials in "
        "clear text; use https://, or pass --insecure\n"
    )


def test_each_platform_keeps_its_own_post(buttondown: Buttondown, ghost: Ghost, newsletter: Path) -> None:
    assert run("publish", ISSUE, "--to", "buttondown")[0] == 0
    assert run("publish", ISSUE, "--to", "ghost")[0] == 0
    assert run("publish", ISSUE, "--to", "ghost")[0] == 0

    assert (len(buttondown.emails), len(ghost.posts)) == (1, 1)
    assert remembered(newsletter, "buttondown")["id"] in buttondown.emails
    assert remembered(newsletter, "ghost")["id"] in ghost.posts


def test_another_site_gets_its_own_post(ghost: Ghost, newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("publish", ISSUE, "--to", "ghost")[0] == 0
    with Ghost() as other:
        monkeypatch.setenv("DIGEST_PUBLISH_GHOST_URL", other.url)

        code, out, err = run("publish", ISSUE, "--to", "ghost")

        assert code == 0, err
        assert f"is on {ghost.url}, not {other.url}; making a new one" in err
        assert len(other.posts) == 1 and [r.method for r in other.requests] == ["POST"]


# --- Substack and other platforms digest cannot post to -----------------------------------------


def as_typed(*args: str) -> tuple[int, str, str]:
    """``digest ARGS`` as a user types it (the program named digest, as usage errors name it)."""
    from click.testing import CliRunner

    from digest.cli import cli

    done = CliRunner().invoke(cli, list(args), prog_name="digest", catch_exceptions=False)
    return done.exit_code, done.stdout, done.stderr


def test_substack_says_it_has_no_api_and_how_to_get_there(newsletter: Path) -> None:
    # Not click's "'substack' is not one of ...": the way that works, which the editor can follow as written.
    code, out, err = as_typed("publish", ISSUE, "--to", "substack")
    assert (code, out) == (2, "")
    assert err == ("digest publish: Invalid value for '--to': Substack has no API to post through; run "
                   f"`digest render {ISSUE}`, open build/2022-10-23.html and press Copy for Substack (or copy "
                   "build/2022-10-23.substack.html), then paste into a new Substack post; see `digest publish --help`\n")
    assert not (newsletter / "build").exists() and remembered(newsletter, "substack") is None
    code, _, err = run("render", ISSUE)  # the advice, followed
    assert code == 0, err
    assert ">Copy for Substack</button>" in (newsletter / "build" / "2022-10-23.html").read_text(encoding="utf-8")
    assert (newsletter / "build" / "2022-10-23.substack.html").is_file()


def test_an_unknown_platform_names_the_ones_there_are(newsletter: Path) -> None:
    code, out, err = as_typed("publish", ISSUE, "--to", "medium")
    assert (code, out) == (2, "")
    assert err == ("digest publish: Invalid value for '--to': 'medium' is not a platform digest publishes to; use "
                   f"buttondown, listmonk or ghost (for Substack, `digest render {ISSUE}` and the page's Copy for "
                   "Substack button); see `digest publish --help`\n")

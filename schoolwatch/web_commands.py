"""`schoolwatch serve`, `user`, `mention` and `feedback`: the web inbox and its CLI equivalents."""

from __future__ import annotations

import getpass
import json
import secrets
import sys
from pathlib import Path

import click

from crawler.ground.config import Config
from crawler.ground.errors import AuthError, SchoolwatchError
from crawler.ground.inbox_status import SETTABLE
from crawler.store import Store
from crawler.store.users import ROLES
from schoolwatch.ui import config_option, console, json_value, load_from_option, program

DEMO_EMAIL = "demo@school.example"


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _store(config: Config) -> Store:
    return Store(config.store.path)


@click.command("serve")
@config_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Keep 127.0.0.1 and put a TLS proxy in front "
                   "(docs/web.md).")
@click.option("--port", default=8080, show_default=True, type=int,
              help="Port to listen on (0: any free port).")
@click.option("--proxy-headers", is_flag=True,
              help="Trust X-Forwarded-For/-Proto from a proxy on 127.0.0.1.")
def serve_command(config_path: Path | None, host: str, port: int, proxy_headers: bool) -> None:
    """Serve the web inbox: triage mentions, act on them, follow cases."""
    # lazy: starlette, uvicorn and argon2 load only when a web command runs
    from schoolwatch.web.server import serve

    config = load_from_option(config_path)
    store = _store(config)
    store.migrate()
    if not store.users():
        first = config.school[0].id
        console.print(
            "No one can log in yet: add the first lead (asked for a password):\n"
            f"  {program()} user add you@school.example --school {first} --role admin "
            "--password-stdin", highlight=False, markup=False, soft_wrap=True)

    def announce(url: str) -> None:
        console.print(f"schoolwatch inbox on [bold]{url}[/] (Ctrl-C stops it)", highlight=False)
        sys.stdout.flush()

    serve(config, host, port, announce=announce, proxy_headers=proxy_headers)


def demo_login(directory: Path) -> None:
    """After `schoolwatch demo`: an admin login for the inbox, and how to start it."""
    # lazy: starlette, uvicorn and argon2 load only when a web command runs
    from schoolwatch.web.auth import hash_password

    config_path = directory / "schoolwatch.toml"
    config = load_from_option(config_path)
    password = secrets.token_urlsafe(12)
    _store(config).add_user(DEMO_EMAIL, hash_password(password), "admin", (), "demo")
    console.print("\n[bold]The web inbox[/]")
    console.print(f"  {program()} serve --config {config_path}", highlight=False, markup=False,
                  soft_wrap=True)
    console.print(f"  then open {config.web.base_url}/login and log in as {DEMO_EMAIL} with "
                  f"password {password}", highlight=False, soft_wrap=True)


# ---- users ---------------------------------------------------------------------------------


@click.group("user")
def user_group() -> None:
    """People who may log in to the web inbox."""


@user_group.command("add")
@config_option
@click.argument("email")
@click.option("--school", "schools", multiple=True, metavar="ID",
              help="A school this user sees (repeatable; an admin sees all).")
@click.option("--role", type=click.Choice(ROLES), default="lead", show_default=True,
              help="lead: triage; viewer: read only; admin: every school.")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the password from the first line of stdin (never an argument); "
                   "asked for without echo when stdin is a terminal.")
def user_add(config_path: Path | None, email: str, schools: tuple[str, ...], role: str,
             password_stdin: bool) -> None:
    """Add a user; the password is read from stdin and stored only as an argon2 hash."""
    config = load_from_option(config_path)
    known = {s.id for s in config.school}
    for school in schools:
        if school not in known:
            raise AuthError(f"no school with id {school!r} (known: {', '.join(sorted(known))})")
    user = _store(config).add_user(email, _password_hash_from_stdin(), role, schools, _actor())
    console.print(f"Added {user.email} ({user.role}"
                  f"{': ' + ', '.join(user.schools) if user.schools else ''})", highlight=False)


def _password_hash_from_stdin() -> str:
    """The argon2 hash of a password read from stdin (asked for without echo on a terminal)."""
    # lazy: starlette, uvicorn and argon2 load only when a web command runs
    from schoolwatch.web.auth import hash_password

    if sys.stdin.isatty():  # typed by a person: no echo
        password = getpass.getpass("Password (10 characters or more): ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        return hash_password(password)
    except ValueError as exc:
        raise AuthError(str(exc)) from None


@user_group.command("list")
@config_option
def user_list(config_path: Path | None) -> None:
    """List users, their role and schools."""
    config = load_from_option(config_path)
    for user in _store(config).users():
        schools = "all schools" if user.is_admin else ", ".join(user.schools)
        click.echo(f"{user.email}\t{user.role}\t{schools}")


@user_group.command("remove")
@config_option
@click.argument("email")
def user_remove(config_path: Path | None, email: str) -> None:
    """Remove a user (every session of theirs ends at once)."""
    config = load_from_option(config_path)
    _store(config).remove_user(email, _actor())
    console.print(f"Removed {email}", highlight=False)


@user_group.command("reset-password")
@config_option
@click.argument("email")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the new password from the first line of stdin (never an argument); "
                   "asked for without echo when stdin is a terminal.")
def user_reset_password(config_path: Path | None, email: str, password_stdin: bool) -> None:
    """Give EMAIL a new password: their sessions end everywhere and any lock-out is lifted."""
    config = load_from_option(config_path)
    store = _store(config)
    ended = store.reset_password(email, _password_hash_from_stdin(), _actor())
    store.clear_login_failures(_email_key(config, email))
    console.print(f"New password for {email.strip().lower()}; {_sessions(ended)} ended",
                  highlight=False)


@user_group.command("unlock")
@config_option
@click.argument("email")
def user_unlock(config_path: Path | None, email: str) -> None:
    """Let EMAIL log in again now after too many failed attempts (forgets those attempts)."""
    config = load_from_option(config_path)
    store = _store(config)
    if store.user_by_email(email) is None:
        raise AuthError(f"no user {email.strip().lower()}")
    forgotten = store.clear_login_failures(_email_key(config, email))
    console.print(f"Unlocked {email.strip().lower()} ({forgotten} failed "
                  f"login{'s' if forgotten != 1 else ''} forgotten)", highlight=False)


@user_group.command("logout")
@config_option
@click.argument("email")
def user_logout(config_path: Path | None, email: str) -> None:
    """End every session of EMAIL now, on every browser (a lost laptop, a shared computer)."""
    config = load_from_option(config_path)
    store = _store(config)
    if store.user_by_email(email) is None:
        raise AuthError(f"no user {email.strip().lower()}")
    console.print(f"{_sessions(store.end_sessions(email)).capitalize()} of "
                  f"{email.strip().lower()} ended", highlight=False)


def _sessions(count: int) -> str:
    return f"{count} session{'s' if count != 1 else ''}"


def _email_key(config: Config, email: str) -> str:
    """The failed-login key the inbox counts this email under (keyed by the server's secret:
    run this as the user that runs `serve`, with the same $SCHOOLWATCH_SECRET_KEY)."""
    # lazy: starlette, uvicorn and argon2 load only when a web command runs
    from schoolwatch.web.auth import hashed, login_email, session_secret

    return hashed("email", login_email(email) or email.strip().lower(),
                  session_secret(config.web.secret_file))


# ---- mentions ------------------------------------------------------------------------------


@click.group("mention")
def mention_group() -> None:
    """Show and mark mentions (the inbox's actions, for scripts)."""


@mention_group.command("show")
@config_option
@click.argument("mention_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def mention_show(config_path: Path | None, mention_id: int, as_json: bool) -> None:
    """Show mention MENTION_ID with its status, tags, evidence and notes."""
    config = load_from_option(config_path)
    mention = _store(config).mention(mention_id, None)
    if mention is None:
        raise SchoolwatchError(f"no mention with id {mention_id}")
    if as_json:
        click.echo(json.dumps(mention, default=json_value, ensure_ascii=False, indent=1))
        return
    keys = ("id", "school_id", "status", "status_reason", "assigned_to", "risk", "sentiment",
            "categories", "source", "url", "author", "published_at", "first_seen_at",
            "fetched_at", "final_url", "http_status", "raw_sha256", "title", "text")
    for key in keys:
        click.echo(f"{key}: {mention[key] if mention[key] is not None else ''}")
    for note in mention["notes"]:
        click.echo(f"note: {note['noted_at']:%Y-%m-%d %H:%M} {note['author']}: {note['note']}")
    base = config.web.base_url
    if base:
        click.echo(f"page: {base}/mentions/{mention_id}")


@mention_group.command("mark")
@config_option
@click.argument("mention_id", type=int)
@click.argument("status", type=click.Choice([s.value for s in SETTABLE]))
@click.option("--note", default=None,
              help="Why (kept as the status reason and as a note; required for false_positive).")
def mention_mark(config_path: Path | None, mention_id: int, status: str,
                 note: str | None) -> None:
    """Mark MENTION_ID handled, false_positive, follow_up (or back to new); audited."""
    config = load_from_option(config_path)
    store = _store(config)
    changed = store.set_status([mention_id], status, _actor(), reason=note)
    if note:
        store.add_note(mention_id, note, _actor())
    console.print(f"Mention {mention_id} is {status}" + ("" if changed else " (unchanged)"),
                  highlight=False)


# ---- feedback ------------------------------------------------------------------------------


@click.group("feedback")
def feedback_group() -> None:
    """People's corrections of the classifier, as training data."""


@feedback_group.command("export")
@config_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of stdout.")
def feedback_export(config_path: Path | None, out: Path | None) -> None:
    """Corrected mentions as JSON lines in the training data's shape (text, school, staff,
    sentiment, risk, categories), to retrain on your own corrections."""
    config = load_from_option(config_path)
    staff = {s.id: list(s.staff) for s in config.school}
    lines = []
    for row in _store(config).feedback_examples():
        categories = [] if row["risk"] == "none" else list(row["categories"] or [])
        lines.append(json.dumps({
            "text": row["text"], "school": row["school_name"] or row["school_id"],
            "staff": staff.get(row["school_id"], []), "sentiment": row["sentiment"],
            "risk": row["risk"], "categories": categories, "source": "feedback",
            "mention_id": row["mention_id"], "corrected": list(row["corrected"] or []),
            "model": {"sentiment": row["model_sentiment"], "risk": row["model_risk"],
                      "version": row["model_version"]},
        }, ensure_ascii=False))
    text = "".join(line + "\n" for line in lines)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"Wrote {len(lines)} corrected mentions to {out}", highlight=False)


"""Logging in and out. Failed logins are counted in the store per email typed and per client
address (schoolwatch.web.auth.LoginLimiter) and logged by keyed hash, never as typed."""

from __future__ import annotations

import logging
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from crawler.ground.vocab import now
from schoolwatch.web.auth import (
    hash_password,
    hashed,
    login_email,
    needs_rehash,
    new_csrf_token,
    new_session_id,
    session_key,
    verify_password,
)
from schoolwatch.web.shared import (
    SESSION_COOKIE,
    checked_form,
    current_session,
    safe_next,
    web_of,
)

log = logging.getLogger(__name__)
FIELD_LIMIT = 1024  # an email or password longer than this is not checked, only counted


async def login_form(request: Request) -> Response:
    web = web_of(request)
    return web.render(request, "login.html", {"next": safe_next(request.query_params.get("next")),
                                              "error": None, "email": ""})


async def login(request: Request) -> Response:
    web = web_of(request)
    form = await checked_form(request)
    if form is None:
        return web.error(request, 403, "This form has expired or lacks its CSRF token: "
                         "reload the page and try again.")
    typed = str(form.get("email") or "")[:FIELD_LIMIT]
    password = str(form.get("password") or "")
    target = safe_next(str(form.get("next") or ""))
    email = login_email(typed)
    email_key = hashed("email", email or typed.strip().lower(), web.secret)
    address_key = hashed("address", request.client.host if request.client else "?", web.secret)
    shown = email or ""  # the form is refilled only with a valid address
    if await web.db(web.limiter.blocked, email_key, address_key):
        log.warning("login refused (too many failed attempts): %s from %s", email_key,
                    address_key)
        return web.render(request, "login.html", {
            "next": target, "email": shown,
            "error": "Too many failed attempts: wait 15 minutes and try again.",
        }, status_code=429)
    user = await web.db(web.store.user_by_email, email) if email else None
    checked = password if len(password) <= FIELD_LIMIT else ""
    if not verify_password(user.password_hash if user else None, checked) or user is None:
        await web.db(web.limiter.failed, email_key, address_key)
        log.warning("failed login: %s from %s", email_key, address_key)
        return web.render(request, "login.html", {
            "next": target, "email": shown, "error": "Wrong email or password.",
        }, status_code=401)
    if needs_rehash(user.password_hash):
        await web.db(web.store.set_password_hash, user.id, hash_password(password))
    # A new id at every login: an id planted in the browser beforehand never becomes logged in.
    session_id = new_session_id()
    old = request.cookies.get(SESSION_COOKIE)
    await web.db(web.store.open_session, session_key(session_id), user.id, new_csrf_token(),
                 now(), timedelta(hours=web.config.web.session_hours),
                 replaces=session_key(old) if old else None)
    log.info("%s logged in", user.email)
    response = RedirectResponse(target, status_code=303)
    web.set_cookie(response, SESSION_COOKIE, session_id)
    return response


async def logout(request: Request) -> Response:
    """Ends this session in the store: the cookie, sent again, no longer logs anyone in."""
    return await _end(request, everywhere=False)


async def logout_everywhere(request: Request) -> Response:
    """Ends every session of this user, on every browser and device."""
    return await _end(request, everywhere=True)


async def _end(request: Request, *, everywhere: bool) -> Response:
    web = web_of(request)
    session = await current_session(request)
    if session is not None:
        request.scope["csrf"] = session.csrf
        if await checked_form(request) is None:
            return web.error(request, 403, "This form lacks its CSRF token.")
        if everywhere:
            ended = await web.db(web.store.end_sessions, session.user.email)
            log.info("user %d logged out everywhere (%d sessions)", session.user.id, ended)
        else:
            await web.db(web.store.end_session, session_key(request.cookies[SESSION_COOKIE]))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response

"""Logging in and out. Failed logins are rate-limited per address and per client."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from schoolwatch.web.auth import hash_password, needs_rehash, new_csrf_token, verify_password
from schoolwatch.web.shared import checked_form, safe_next, web_of

log = logging.getLogger(__name__)


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
    email = str(form.get("email") or "").strip().lower()
    password = str(form.get("password") or "")
    target = safe_next(str(form.get("next") or ""))
    client = f"client:{request.client.host if request.client else '?'}"
    if web.limiter.blocked(f"email:{email}") or web.client_limiter.blocked(client):
        log.warning("login refused for %s: too many failed attempts", email)
        return web.render(request, "login.html", {
            "next": target, "email": email,
            "error": "Too many failed attempts: wait 15 minutes and try again.",
        }, status_code=429)
    user = await web.db(web.store.user_by_email, email) if "@" in email else None
    if not verify_password(user.password_hash if user else None, password) or user is None:
        web.limiter.failed(f"email:{email}")
        web.client_limiter.failed(client)
        log.info("failed login for %s", email)
        return web.render(request, "login.html", {
            "next": target, "email": email, "error": "Wrong email or password.",
        }, status_code=401)
    if needs_rehash(user.password_hash):
        await web.db(web.store.set_password_hash, user.id, hash_password(password))
        user = await web.db(web.store.user_by_id, user.id)
        assert user is not None
    request.session.clear()
    request.session.update({"uid": user.id, "ph": user.password_hash[-16:],
                            "csrf": new_csrf_token()})
    log.info("%s logged in", user.email)
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    web = web_of(request)
    if await checked_form(request) is None:
        return web.error(request, 403, "This form lacks its CSRF token.")
    request.session.clear()
    return RedirectResponse("/login", status_code=303)

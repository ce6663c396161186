"""Account management, for admins only: add, change role, set password, remove."""

import logging

from admin.errors import NotFound
from admin.pages import flash, form_error, orphan_error, redirect, render
from admin.users import ROLES
from admin.views.common import services
from model.errors import ValidationError

logger = logging.getLogger(__name__)


def show_users(request, user, error=None, status_code=200):
    accounts = services(request).users.list_users()
    keys = ["user-new"] + [f"user:{account.name}" for account in accounts]
    context = {
        "accounts": accounts,
        "roles": ROLES,
        "error": error,
        "page_error": orphan_error(error, keys),
    }
    return render(request, "users.html", context, status_code)


def users_page(request, user):
    return show_users(request, user)


def _account_action(request, user, form, key, change, done_message):
    try:
        change()
    except ValidationError as exc:
        return show_users(request, user, form_error(key, exc, form), 400)
    except NotFound as exc:
        return show_users(request, user, form_error(key, exc, form), 404)
    logger.info("%s by admin %s", done_message, user.name)
    flash(request, done_message)
    return redirect("/users")


def add_user(request, user, form):
    users = services(request).users
    name, role = form.get("name", ""), form.get("role", "")
    return _account_action(
        request,
        user,
        form,
        "user-new",
        lambda: users.add(name, role, form.get("password", "")),
        f"Added {role} {name}.",
    )


def set_role(request, user, form):
    users = services(request).users
    name, role = request.path_params["name"], form.get("role", "")
    return _account_action(
        request,
        user,
        form,
        f"user:{name}",
        lambda: users.set_role(name, role),
        f"{name} is now a {role}.",
    )


def set_password(request, user, form):
    users = services(request).users
    name = request.path_params["name"]
    return _account_action(
        request,
        user,
        form,
        f"user:{name}",
        lambda: users.set_password(name, form.get("password", "")),
        f"Changed the password of {name}.",
    )


def remove_user(request, user, form):
    users = services(request).users
    name = request.path_params["name"]
    return _account_action(
        request,
        user,
        form,
        f"user:{name}",
        lambda: users.remove(name),
        f"Removed user {name}.",
    )

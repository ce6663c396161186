"""The `qualifiers` command: accounts, import and export, replay, stream edits, services.

Every error goes to stderr as one sentence, with exit status 1 (2 for usage errors).
"""

import argparse
import getpass
import importlib
import logging
import os
import sys
from pathlib import Path

import redis
from tqdm import tqdm

from admin import editing
from admin.config import DEFAULT_REDIS_URL, REDIS_URL, load_cli_config
from admin.errors import AdminError, InputError
from admin.replay import read_edits, replay
from admin.snapshots import export_state, import_state
from admin.users import ROLES, UserStore
from model.errors import NotFoundError, ValidationError
from store import Store
from store.errors import StoreError

PROGRAM = "qualifiers"
# Long-running services built elsewhere, started as `qualifiers bridge|relay [args]`.
SERVICES = {"bridge": "bridge.service", "relay": "relay.service"}
USER_VARIABLE = "QUALIFIERS_USER"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in SERVICES:
        return _run_service(argv[0], argv[1:])

    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return args.handler(args) or 0
    except (AdminError, StoreError, ValidationError, NotFoundError) as exc:
        print(f"{PROGRAM}: error: {exc}", file=sys.stderr)
        return 1
    except redis.RedisError as exc:
        print(f"{PROGRAM}: error: Redis request failed: {exc}", file=sys.stderr)
        return 1


def _run_service(name: str, argv: list[str]) -> int:
    # Imported only when asked for, so the admin tools work without the
    # bridge's and relay's dependencies installed.
    module = importlib.import_module(SERVICES[name])
    return module.main(argv) or 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__.splitlines()[0])
    parser.add_argument(
        "--redis-url",
        help=f"Redis holding the data (default: ${REDIS_URL} or {DEFAULT_REDIS_URL})",
    )
    parser.add_argument(
        "--prefix", help="Redis key prefix (default: $REDIS_PREFIX or qh:)"
    )
    parser.add_argument(
        "--as-user",
        dest="actor",
        metavar="NAME",
        help=f"name written to the audit log (default: ${USER_VARIABLE} or cli:<login>)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_user_commands(commands)
    _add_state_commands(commands)
    _add_stream_commands(commands)
    for name in SERVICES:
        commands.add_parser(
            name, help=f"run the {name} service (options after it go to it)"
        )
    return parser


def _add_user_commands(commands) -> None:
    user = commands.add_parser("user", help="manage admin and moderator accounts")
    actions = user.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="create an account")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    add.set_defaults(handler=user_add)

    listing = actions.add_parser("list", help="list accounts and their roles")
    listing.set_defaults(handler=user_list)

    remove = actions.add_parser("remove", help="delete an account")
    remove.add_argument("name")
    remove.set_defaults(handler=user_remove)

    password = actions.add_parser("set-password", help="change an account's password")
    password.add_argument("name")
    password.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    password.set_defaults(handler=user_set_password)


def _add_state_commands(commands) -> None:
    load = commands.add_parser(
        "import", help="replace the whole state from a JSON file"
    )
    load.add_argument("file")
    load.set_defaults(handler=state_import)

    dump = commands.add_parser("export", help="print the whole state as JSON")
    dump.set_defaults(handler=state_export)

    play = commands.add_parser("replay", help="apply an edits JSON Lines file in time")
    play.add_argument("file")
    play.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="time factor: 60 replays an hour of edits in a minute (default: 1)",
    )
    play.set_defaults(handler=state_replay)


def _add_stream_commands(commands) -> None:
    stream = commands.add_parser("stream", help="add, update or remove one stream")
    actions = stream.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="add a stream to a region")
    add.add_argument("region")
    add.add_argument("name")
    _add_stream_options(add, url_required=True)
    add.set_defaults(handler=stream_add)

    update = actions.add_parser(
        "update", help="change fields of the stream called NAME"
    )
    update.add_argument("region")
    update.add_argument("name")
    update.add_argument("--rename", metavar="NEW_NAME", help="new caster name")
    _add_stream_options(update, url_required=False)
    update.set_defaults(handler=stream_update)

    remove = actions.add_parser("remove", help="remove the stream called NAME")
    remove.add_argument("region")
    remove.add_argument("name")
    remove.set_defaults(handler=stream_remove)


def _add_stream_options(parser, url_required: bool) -> None:
    parser.add_argument("--url", required=url_required, help="stream address")
    parser.add_argument("--info", help="match info in light markdown")
    parser.add_argument(
        "--score", nargs=2, metavar=("LEFT", "RIGHT"), help="score, such as --score 1 0"
    )
    parser.add_argument("--language", help="language the caster speaks")
    parser.add_argument("--tags", help="comma-separated tags, such as bo3,upper")


# Handlers: each takes the parsed arguments and returns an exit status or None.


def user_add(args) -> None:
    password = _read_password(args.password_stdin)
    _users(args).add(args.name, args.role, password)
    print(f"added {args.role} {args.name}")


def user_list(args) -> None:
    for user in _users(args).list_users():
        print(f"{user.name}\t{user.role}")


def user_remove(args) -> None:
    _users(args).remove(args.name)
    print(f"removed user {args.name}")


def user_set_password(args) -> None:
    password = _read_password(args.password_stdin)
    _users(args).set_password(args.name, password)
    print(f"changed the password of {args.name}")


def state_import(args) -> None:
    result = import_state(_store(args), _actor(args), args.file)
    state = result.state
    if not result.changed:
        print(
            f"no changes: {Path(args.file).name} matches version {state['version']},"
            " so nothing was imported"
        )
        return
    streams = sum(len(region["streams"]) for region in state["regions"])
    print(
        f"imported {len(state['regions'])} regions and {streams} streams"
        f" as version {state['version']}"
    )


def state_export(args) -> None:
    sys.stdout.write(export_state(_store(args)))


def state_replay(args) -> None:
    if not args.speed > 0:
        raise InputError(f"invalid --speed {args.speed}: expected a number above 0")
    records = read_edits(args.file)
    store = _store(args)
    with tqdm(records, unit="edit", file=sys.stderr) as progress:
        applied = replay(store, _actor(args), progress, args.speed)
    print(f"applied {applied} edits, now at version {store.read()['version']}")


def stream_add(args) -> None:
    fields = {"name": args.name, **_stream_options(args)}
    state = editing.add_stream(_store(args), _actor(args), args.region, fields)
    print(
        f"added stream {args.name} to {args.region}, now at version {state['version']}"
    )


def stream_update(args) -> None:
    changes = _stream_options(args)
    if args.rename is not None:
        changes["name"] = args.rename
    if not changes:
        raise InputError(
            "nothing to update: give at least one of --rename, --url, "
            "--info, --score, --language or --tags"
        )
    state = editing.update_stream_named(
        _store(args), _actor(args), args.region, args.name, changes
    )
    print(
        f"updated stream {args.name} in {args.region}, now at version {state['version']}"
    )


def stream_remove(args) -> None:
    state, removed = editing.remove_stream_named(
        _store(args), _actor(args), args.region, args.name
    )
    print(
        f"removed stream {removed['name']} from {args.region},"
        f" now at version {state['version']}"
    )


# Helpers


def _stream_options(args) -> dict:
    changes = {}
    for field in ("url", "info", "language"):
        value = getattr(args, field)
        if value is not None:
            changes[field] = value
    if args.score is not None:
        changes["score"] = [
            _score_side(value, index) for index, value in enumerate(args.score)
        ]
    if args.tags is not None:
        changes["tags"] = [tag.strip() for tag in args.tags.split(",") if tag.strip()]
    return changes


def _score_side(raw: str, index: int) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValidationError(
            f"score[{index}]", raw, "a whole number from 0 to 99"
        ) from None


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError("no password on stdin: pipe one line with the password")
        return password
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Repeat the password: "):
        raise InputError("the two passwords differ: run the command again")
    return password


def _store(args) -> Store:
    config = load_cli_config(redis_url=args.redis_url, prefix=args.prefix)
    return Store.from_url(config.redis_url, prefix=config.prefix)


def _users(args) -> UserStore:
    config = load_cli_config(redis_url=args.redis_url, prefix=args.prefix)
    return UserStore(
        redis.Redis.from_url(config.redis_url, socket_timeout=5), config.prefix
    )


def _actor(args) -> str:
    return args.actor or os.environ.get(USER_VARIABLE) or f"cli:{getpass.getuser()}"


if __name__ == "__main__":
    sys.exit(main())

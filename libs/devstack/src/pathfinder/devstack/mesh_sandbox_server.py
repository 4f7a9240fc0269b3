"""NHS England's mesh-sandbox on uvicorn, with the mailboxes of a file of ours (see ADR 0012):

    SANDBOX_PYTHON -I mesh_sandbox_server.py --port N --mailboxes FILE [--certfile CERT --keyfile KEY]

It runs in the sandbox's own environment, never in the workspace's: it may use only the standard library and what
``tools/mesh-sandbox/requirements.txt`` installs. The workspace's checks (mypy, the declared-dependency test) run
where mesh_sandbox is not installed, so it is imported with importlib. ``-I`` keeps this file's directory off
``sys.path``: its neighbour ``mesh_sandbox.py`` would otherwise shadow the sandbox's package.

The sandbox reads its mailboxes from a file inside its own package (its docker image mounts another over it). Here
its file store (``STORE_MODE=file``) reads them from ``--mailboxes`` (JSON lines of ``mailbox_id``,
``mailbox_name``, ``password``, ``ods_code``...) instead, and reads the file again when a mailbox it does not
know is asked for, so mailboxes can be added while it runs. Everything else is the sandbox's own code.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any


def _read_mailboxes(path: Path, mailbox_type: Any) -> dict[str, Any]:
    entries = [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []
    return {entry["mailbox_id"].upper(): mailbox_type(**entry) for entry in entries}


def mailbox_file_store(path: Path) -> Any:
    """The sandbox's ``FileStore`` with its mailboxes read from ``path``."""
    file_store = importlib.import_module("mesh_sandbox.store.file_store").FileStore
    mailbox_type = importlib.import_module("mesh_sandbox.models.mailbox").Mailbox

    def _load_mailboxes(store: Any) -> dict[str, Any]:
        return _read_mailboxes(path, mailbox_type)

    async def get_mailbox(store: Any, mailbox_id: str, accessed: bool = False) -> Any:
        if mailbox_id not in store.mailboxes:
            for new_id, mailbox in _read_mailboxes(path, mailbox_type).items():
                if new_id not in store.mailboxes:
                    store.mailboxes[new_id] = mailbox
                    store.inboxes.setdefault(new_id, [])
                    store.outboxes.setdefault(new_id, [])
                    store.local_ids.setdefault(new_id, defaultdict(list))
        return await file_store.get_mailbox(store, mailbox_id, accessed)

    return type("MailboxFileStore", (file_store,), {"_load_mailboxes": _load_mailboxes, "get_mailbox": get_mailbox})


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mailboxes", type=Path, required=True)
    parser.add_argument("--certfile")
    parser.add_argument("--keyfile")
    args = parser.parse_args(argv)
    # mesh-sandbox 1.0.137 on its pinned FastAPI: a page of these at import, none of them about its behaviour
    warnings.filterwarnings("ignore", message="`example` has been deprecated")

    dependencies: Any = importlib.import_module("mesh_sandbox.dependencies")
    config = dependencies.get_env_config()
    if config.store_mode != "file":
        parser.error(f"STORE_MODE must be 'file' (mailboxes come from {args.mailboxes}), not {config.store_mode!r}")
    store = mailbox_file_store(args.mailboxes)(config, dependencies.get_logger())
    dependencies.get_store = lambda: store  # get_messaging() looks it up here when the first request comes
    app = importlib.import_module("mesh_sandbox.api").app
    uvicorn = importlib.import_module("uvicorn")
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        ssl_certfile=args.certfile,
        ssl_keyfile=args.keyfile,
        log_level="warning",
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

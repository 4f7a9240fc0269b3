"""Asking a service's API whether it is ready, bypassing any proxy the environment names (it is on this machine)."""

from __future__ import annotations

import urllib.error
import urllib.request

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def probe(url: str) -> str | None:
    """None when ``url`` answers 200, else what went wrong."""
    try:
        with _NO_PROXY.open(url, timeout=2) as response:
            return None if response.status == 200 else f"HTTP {response.status}"
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except urllib.error.URLError as error:
        return str(error.reason)
    except OSError as error:
        return str(error)

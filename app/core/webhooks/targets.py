"""Which webhook URLs the service may call: http(s) only, and no private, loopback, link-local
or otherwise internal address unless the operator allows them (a webhook must not become a way
to reach the service's own network)."""

import ipaddress
from urllib.parse import urlsplit


class UnsafeTarget(ValueError):
    """A webhook URL the service will not call."""


def check_url(url: str) -> tuple[str, int]:
    """The host and port of an http(s) URL; UnsafeTarget for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeTarget("must be an http or https URL")
    if not parts.hostname:
        raise UnsafeTarget("must name a host")
    if parts.username or parts.password:
        raise UnsafeTarget("must not carry credentials (sign with the secret instead)")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeTarget("has an invalid port") from None
    return parts.hostname, port


def check_addresses(addresses: list[str], allow_private: bool) -> None:
    """Refuse a host unless every address it resolves to is public (or private ones are
    allowed): one internal address is enough for a request to land inside."""
    if not addresses:
        raise UnsafeTarget("the host does not resolve")
    if allow_private:
        return
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if not ip.is_global or ip.is_multicast:
            raise UnsafeTarget(
                f"resolves to {ip}, a private, loopback, link-local or reserved address "
                "(allowed only with AIRSPACE_RISK_WEBHOOK_ALLOW_PRIVATE=true)"
            )

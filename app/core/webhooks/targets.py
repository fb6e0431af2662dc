"""Which webhook URLs the service may call: http(s) only, and no private, loopback, link-local
or otherwise internal address unless the operator allows them (a webhook must not become a way
to reach the service's own network)."""

import ipaddress
from urllib.parse import urlsplit


class UnsafeTarget(ValueError):
    """A webhook URL the service will not call."""


def check_url(url: str) -> tuple[str, int]:
    """The host and port of an http(s) URL; UnsafeTarget for anything else."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UnsafeTarget("is not a valid URL") from None
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
        if not _public(ipaddress.ip_address(address.split("%")[0])):
            # The address itself is not named: the answer must not become a way to map the
            # operator's internal names.
            raise UnsafeTarget(
                "resolves to a private, loopback, link-local or reserved address (allowed only "
                "with AIRSPACE_RISK_WEBHOOK_ALLOW_PRIVATE=true)"
            )


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address is public, IPv4 addresses carried inside IPv6 ones (mapped, 6to4,
    NAT64) judged by the IPv4 address they reach."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is None and ip in NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            return _public(inner)
    return ip.is_global and not ip.is_multicast

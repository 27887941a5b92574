"""One guarded POST to a webhook receiver: only to the address the owner registered, never to a private one.

Server-side request forgery is refused twice: when an endpoint is registered (:func:`url_refusal`) and
at every send, on the addresses the host resolves to *now* (a name may point elsewhere since). The
connection goes to the address that passed the check (no second lookup), redirects are not followed
(a 3xx is a failed attempt), and ``settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` (on in development, off in
production) lets loopback and private receivers through for local testing.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

RESPONSE_KEEP = 4096  # bytes of the receiver's answer kept for the delivery log


class Refused(Exception):
    """The URL or an address it resolves to is not one a webhook may be sent to."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    latency_ms: int


# NAT64's well-known prefix (RFC 6052): 64:ff9b::a.b.c.d reaches the IPv4 address a.b.c.d through a translator.
NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries and leads to: IPv4-mapped (::ffff:a.b.c.d), 6to4 (2002::/16),
    Teredo (2001::/32: its server and its client) and NAT64 (64:ff9b::/96)."""
    if ip.ipv4_mapped:
        return [ip.ipv4_mapped]
    if ip.sixtofour:
        return [ip.sixtofour]
    if ip.teredo:
        return list(ip.teredo)
    if ip in NAT64_PREFIX:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def address_refusal(address: str) -> str | None:
    """Why a webhook may not go to this IP address, or None when it may (a public unicast address). An IPv6
    address that carries an IPv4 one (``embedded_ipv4``) is refused when that address is: 2002:7f00:1::1 reaches
    127.0.0.1."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = embedded_ipv4(ip)
        reasons = [reason for inner in embedded if (reason := address_refusal(str(inner)))]
        if reasons:
            return reasons[0]
        if ip.ipv4_mapped:
            return None  # the IPv4 address it maps passed: this is that address
    if ip.is_loopback:
        return _("%(ip)s is a loopback address.") % {"ip": ip}
    if ip.is_link_local:
        return _("%(ip)s is a link-local address.") % {"ip": ip}
    if ip.is_private or ip.is_unspecified or ip.is_multicast or ip.is_reserved or not ip.is_global:
        return _("%(ip)s is a private or reserved address.") % {"ip": ip}
    return None


def _parts(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1" and the like
        raise Refused(_("Give an http:// or https:// address.")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(_("Give an http:// or https:// address."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused(_("The port is not a number from 1 to 65535.")) from None
    return parts.scheme, parts.hostname, port


def resolve(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, the address to connect to), checked; Refused with the reason otherwise."""
    scheme, host, port = _parts(url)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise Refused(_("%(host)s does not resolve to an address.") % {"host": host}) from None
    addresses = [info[4][0] for info in found]
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        for address in addresses:
            reason = address_refusal(address)
            if reason:
                raise Refused(reason)
    return scheme, host, port, addresses[0]


def url_refusal(url: str) -> str | None:
    """Why this URL may not be registered, or None."""
    try:
        resolve(url)
    except Refused as exc:
        return str(exc)
    return None


class _Pinned(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the host name resolves to by then."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedTLS(_Pinned):
    def connect(self):
        super().connect()
        self.sock = ssl.create_default_context().wrap_socket(self.sock, server_hostname=self.host)


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST ``body``; the receiver's status, the start of its answer and the time taken. Raises Refused,
    OSError (connection refused, reset) or TimeoutError."""
    scheme, host, port, address = resolve(url)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = (_PinnedTLS if scheme == "https" else _Pinned)(host, port, address, timeout)
    started = time.monotonic()
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(RESPONSE_KEEP).decode("utf-8", "replace")
    finally:
        connection.close()
    return Answer(response.status, text, int((time.monotonic() - started) * 1000))

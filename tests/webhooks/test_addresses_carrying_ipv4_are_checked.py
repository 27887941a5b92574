"""An IPv6 address that carries an IPv4 one (6to4, Teredo, NAT64, IPv4-mapped) reaches that IPv4 address: a
webhook may not go there when the IPv4 address is refused (docs/webhooks.md)."""

import pytest

from webhooks.transport import address_refusal, url_refusal


@pytest.mark.parametrize(
    ("address", "reaches"),
    [
        ("2002:7f00:1::1", "127.0.0.1"),  # 6to4
        ("2002:a9fe:a9fe::1", "169.254.169.254"),  # 6to4: the cloud metadata service
        ("2002:0a00:0005::1", "10.0.0.5"),  # 6to4
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1"),  # Teredo: the client 127.0.0.1, obfuscated
        ("2001:0:7f00:1:8000:63bf:3fff:fdd2", "127.0.0.1"),  # Teredo: the server 127.0.0.1
        ("64:ff9b::7f00:1", "127.0.0.1"),  # NAT64's well-known prefix
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"),  # NAT64
        ("::ffff:127.0.0.1", "127.0.0.1"),  # IPv4-mapped
    ],
)
def test_an_ipv6_address_carrying_a_refused_ipv4_address_is_refused_naming_it(address, reaches):
    assert reaches in address_refusal(address)


def test_a_6to4_url_to_the_metadata_service_cannot_be_registered(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    assert "169.254.169.254" in url_refusal("http://[2002:a9fe:a9fe::1]/latest/meta-data/")


@pytest.mark.parametrize("address", ["2002:808:808::1", "::ffff:8.8.8.8", "2606:4700::1111"])
def test_an_ipv6_address_carrying_a_public_ipv4_address_or_none_passes(address):
    assert address_refusal(address) is None

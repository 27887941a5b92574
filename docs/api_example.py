"""Place an order through the Starmap API, publish it, read its ranked creators and send offers.

    STARMAP_URL=https://starmap.example STARMAP_TOKEN=smp_... python docs/api_example.py --top 3

The token is a brand owner's or manager's personal API token (dashboard → API tokens); the
brand's wallet must hold enough for the offers (each holds the creator's rate-card price).
Needs ``requests`` (``pip install requests``). Every call and its answer are described in
docs/openapi.yaml (served at /api/docs/).

1. POST /api/v1/orders/                 a draft order (money in integer minor units: 150000 = 1,500.00)
2. POST /api/v1/orders/{id}/publish/    publishing queues the order's ranking on a worker
3. GET  /api/v1/orders/{id}/matches/    polled until the ranking run is done, best first
4. POST /api/v1/orders/{id}/offers/     one per creator, with an Idempotency-Key header: sending
                                        the same offer twice (a retry after a timeout) holds money once
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta

import requests


class Starmap:
    """A thin client: the base URL, the token, and JSON in and out; any error answer stops the script."""

    def __init__(self, url: str, token: str) -> None:
        self.base = url.rstrip("/") + "/api/v1"
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Token {token}", "Accept": "application/json"})

    def call(self, method: str, path: str, *, expect: tuple[int, ...] = (200,), **kwargs) -> dict:
        response = self.session.request(method, self.base + path, timeout=30, **kwargs)
        if response.status_code not in expect:
            # Error bodies are always {code, detail, errors: {field: [message, ...]}}.
            sys.exit(f"{method} {path} → {response.status_code}: {response.text}")
        return response.json()


def place_order(api: Starmap, args: argparse.Namespace) -> dict:
    today = date.today()
    brief = {
        "title": args.title,
        "product_name": args.product,
        "product_category": args.category,  # an IAB Ad Product 2.0 id, as a string
        "mode": "direct",  # the brand picks creators and sends offers
        "format": args.format,
        "target_labels": [{"label": label, "weight": 1.0} for label in args.label],  # IAB Content 3.1 ids
        "price_per_creator_minor": args.price_minor,
        "creators_wanted": args.top,
        "script_by": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        "publish_from": (today + timedelta(days=10)).isoformat(),
        "publish_until": (today + timedelta(days=40)).isoformat(),
    }
    return api.call("POST", "/orders/", json=brief, expect=(201,))


def wait_for_ranking(api: Starmap, order_id: int, *, top: int, timeout: float) -> list[dict]:
    """The first ``top`` ranked creators, once the run publishing queued has finished."""
    deadline = time.monotonic() + timeout
    while True:
        page = api.call("GET", f"/orders/{order_id}/matches/", params={"page_size": top})
        run = page["run"]
        if run and run["status"] == "done":
            return page["results"]
        if run and run["status"] == "failed":
            sys.exit(f"The ranking of order {order_id} failed; ask the operator (run {run['id']}).")
        if time.monotonic() > deadline:
            sys.exit(f"The ranking of order {order_id} did not finish within {timeout:.0f} s.")
        time.sleep(1)


def send_offer(api: Starmap, order_id: int, creator_id: int) -> dict:
    # One key per order and creator: running the script again replays the first answer instead
    # of holding the money a second time.
    headers = {"Idempotency-Key": f"example-offer-{order_id}-{creator_id}"}
    return api.call("POST", f"/orders/{order_id}/offers/", json={"creator": creator_id}, headers=headers, expect=(201,))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("STARMAP_URL"), help="default: $STARMAP_URL")
    parser.add_argument("--token", default=os.environ.get("STARMAP_TOKEN"), help="default: $STARMAP_TOKEN")
    parser.add_argument("--top", type=int, default=3, help="offers to send, to the best-ranked creators")
    parser.add_argument("--title", default="Spring serum launch")
    parser.add_argument("--product", default="Hydrating serum")
    parser.add_argument("--category", default="1138", help="IAB Ad Product 2.0 id (1138: Cosmetics)")
    parser.add_argument("--label", action="append", help="IAB Content 3.1 id, repeatable (default 553: Beauty)")
    parser.add_argument("--format", default="short_21_60", help="short_1_20, short_21_60, video_60_plus, …")
    parser.add_argument("--price-minor", type=int, default=1_500_000, help="per creator, in minor units")
    parser.add_argument("--wait", type=float, default=300, help="seconds to wait for the ranking")
    args = parser.parse_args(argv)
    args.label = args.label or ["553"]
    if not args.url or not args.token:
        parser.error("give --url and --token, or set STARMAP_URL and STARMAP_TOKEN")

    api = Starmap(args.url, args.token)
    order = place_order(api, args)
    print(f"Placed draft order {order['id']}: {order['title']!r}")

    order = api.call("POST", f"/orders/{order['id']}/publish/")
    print(f"Published order {order['id']} ({order['status']}); its ranking is queued")

    matches = wait_for_ranking(api, order["id"], top=args.top, timeout=args.wait)
    print(f"Ranked: the top {len(matches)}")
    for match in matches:
        creator = match["creator"]
        offer = send_offer(api, order["id"], creator["id"])
        print(
            f"  #{match['rank']} @{creator['handle']} (score {match['score']:.3f}): offer {offer['id']} "
            f"{offer['status']}, {offer['agreed_price_minor']:,} {offer['currency']} minor units held"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

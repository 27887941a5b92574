"""A monthly statement of one ledger account: the balance at the start of the month, every entry in it with
the balance after it, and the balance at its end. The brand's is its available balance; the creator's is
theirs (what they may pay out); an agency's is its available share. Rendered as PDF and CSV by invoices.render
(docs/invoices.md).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from brands.access import brand_seat
from invoices.render import issuer, render_pdf
from marketplace.core import CsvWriter, NotAllowed, NotFound, minor_to_decimal_str
from marketplace.core.roles import role_of
from payouts.creator_terms import movement_text
from payouts.models import Account, LedgerEntry


@dataclass
class StatementLine:
    at: datetime
    transaction_id: int
    kind: str
    description: str
    amount: int
    balance: int


@dataclass
class MonthlyStatement:
    party_name: str
    legal_name: str
    tax_id: str
    account_label: str
    currency: str
    month: date
    opening: int
    closing: int = 0
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def reference(self) -> str:
        return f"ST-{self.month:%Y-%m}"


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in the site's time zone; ValueError for no such month."""
    start = timezone.make_aware(datetime(year, month, 1))
    following = datetime(year + month // 12, month % 12 + 1, 1)
    return start, timezone.make_aware(following)


def monthly_statement(
    *,
    account: Account | None,
    year: int,
    month: int,
    currency: str,
    party_name: str,
    legal_name: str = "",
    tax_id: str = "",
    for_creator: bool = False,
) -> MonthlyStatement:
    """``account``'s statement for the month (an empty one, at zero, for an account not opened yet). A creator's
    lines are told in their own terms (payouts.creator_terms); a brand's name the kind of movement and the order."""
    start, end = month_bounds(year, month)
    statement = MonthlyStatement(
        party_name=party_name,
        legal_name=legal_name,
        tax_id=tax_id,
        account_label=str(Account.Kind(account.kind).label) if account else "",
        currency=currency,
        month=start.date(),
        opening=0,
    )
    if account is None:
        return statement
    entries = LedgerEntry.objects.filter(account=account)
    statement.opening = entries.filter(transaction__created_at__lt=start).aggregate(total=Sum("amount"))["total"] or 0
    balance = statement.opening
    month_entries = entries.filter(transaction__created_at__gte=start, transaction__created_at__lt=end)
    for entry in month_entries.select_related("transaction__order", "transaction__hold__agency").order_by("id"):
        balance += entry.amount
        tx = entry.transaction
        if for_creator:
            description = movement_text(tx, entry.amount, currency=entry.currency)
        else:
            description = tx.get_kind_display() + (f" · {tx.order.title}" if tx.order_id else "")
        statement.lines.append(
            StatementLine(
                at=tx.created_at,
                transaction_id=tx.pk,
                kind=tx.kind,
                description=description,
                amount=entry.amount,
                balance=balance,
            )
        )
    statement.closing = balance
    return statement


def statement_for(user, *, year: int, month: int) -> MonthlyStatement:
    """The viewer's statement for the month: NotAllowed for anyone who is not a brand member, a creator or an agency
    member, NotFound for a month outside 2000-01 … 9998-12 or one that has not begun (an empty statement of a month
    to come would read as a promise that nothing will happen in it)."""
    role = role_of(user)
    if role is None or not (role.is_brand or role.is_creator or role.is_agency):
        raise NotAllowed(_("Only brand members, creators and agency members have statements."))
    if not (1 <= month <= 12 and 2000 <= year <= 9998):
        raise NotFound(_("There is no such month."))
    if month_bounds(year, month)[0] > timezone.now():
        raise NotFound(_("That month has not begun: there is no statement for it yet."))
    currency = settings.CURRENCY
    if role.is_brand:
        brand = brand_seat(user).brand
        account = Account.objects.filter(kind=Account.Kind.BRAND_AVAILABLE, brand=brand, currency=currency).first()
        names = {"party_name": brand.name, "legal_name": brand.legal_name, "tax_id": brand.tax_id}
    elif role.is_agency:
        agency = user.agency_membership.agency
        kind = Account.Kind.AGENCY_AVAILABLE
        account = Account.objects.filter(kind=kind, agency_id=agency.pk, currency=currency).first()
        names = {"party_name": agency.name}
    else:
        creator = user.creator
        kind = Account.Kind.CREATOR_AVAILABLE
        account = Account.objects.filter(kind=kind, creator=creator, currency=currency).first()
        names = {"party_name": creator.display_name, "for_creator": True}
    return monthly_statement(account=account, year=year, month=month, currency=currency, **names)


def statement_pdf(statement: MonthlyStatement) -> bytes:
    return render_pdf("payouts/statement_pdf.html", {"statement": statement, "issuer": issuer()})


def statement_csv(statement: MonthlyStatement) -> bytes:
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(["statement", statement.reference])
    writer.writerow(["account", statement.account_label])
    writer.writerow(["issued_to", statement.party_name])
    writer.writerow(["legal_name", statement.legal_name])
    writer.writerow(["tax_id", statement.tax_id])
    writer.writerow([])
    writer.writerow(["date", "transaction", "kind", "description", "amount", "currency", "balance"])
    writer.writerow(["", "", "opening", _("Opening balance"), "", statement.currency, _decimal(statement.opening)])
    for line in statement.lines:
        writer.writerow(
            [
                timezone.localtime(line.at).isoformat(timespec="seconds"),
                line.transaction_id,
                line.kind,
                line.description,
                _decimal(line.amount),
                statement.currency,
                _decimal(line.balance),
            ]
        )
    writer.writerow(["", "", "closing", _("Closing balance"), "", statement.currency, _decimal(statement.closing)])
    return out.getvalue().encode("utf-8")


def _decimal(amount: int) -> str:
    return minor_to_decimal_str(amount)

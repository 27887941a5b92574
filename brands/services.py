"""Writes on brands and their members. Every function is one transaction with its audit row."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from django.utils.translation import gettext as _

from brands.access import OWNER, brand_seat
from brands.models import Brand, BrandMembership
from marketplace.core import Conflict, NotFound, audit, send_mail_each, site_url, update_fields
from marketplace.core.accounts import user_create
from marketplace.core.models import ProductCategory, User
from marketplace.core.roles import has_a_part

SLUG_MAX = 70


def brand_slug_for(name: str) -> str:
    """A free slug for ``name``: its slugified form, then ``-2``, ``-3``, ... when taken.

    Names with no Latin letters (a Chinese brand name) fall back to "brand".
    """
    base = slugify(name)[:SLUG_MAX].strip("-") or "brand"
    slug, n = base, 1
    while Brand.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def brand_create(*, name: str, owner: User) -> Brand:
    """Create a brand with ``owner`` as its first owner. The owner must play no other part (has_a_part)."""
    if has_a_part(owner):
        raise ValidationError({"email": _("This account already belongs to a brand, a creator or an agency.")})
    brand = Brand(name=name.strip(), slug=brand_slug_for(name))
    brand.full_clean()
    brand.save()
    membership = BrandMembership(brand=brand, user=owner, role=BrandMembership.Role.OWNER)
    membership.full_clean()
    membership.save()
    audit(actor=owner, action="brand.created", obj=brand, name=brand.name, slug=brand.slug)
    return brand


def _owner_membership(*, brand: Brand, actor: User) -> BrandMembership:
    return brand_seat(actor, need=OWNER, brand_id=brand.pk)


@transaction.atomic
def brand_update(
    *,
    brand: Brand,
    actor: User,
    name: str,
    website: str = "",
    description: str = "",
    industry: ProductCategory | None = None,
    country: str = "",
    legal_name: str | None = None,
    tax_id: str | None = None,
) -> Brand:
    _owner_membership(brand=brand, actor=actor)
    brand = Brand.objects.select_for_update().get(pk=brand.pk)
    values = {
        "name": name.strip(),
        "website": website,
        "description": description,
        "industry": industry,
        "country": country,
        "legal_name": brand.legal_name if legal_name is None else " ".join(legal_name.split()),
        "tax_id": brand.tax_id if tax_id is None else tax_id.strip().upper(),
    }
    for field, value in values.items():
        setattr(brand, field, value)
    brand.full_clean()
    _check_invoice_identity(brand)
    brand.save(update_fields=list(values))
    audit(actor=actor, action="brand.updated", obj=brand, fields=sorted(values))
    return brand


def _check_invoice_identity(brand: Brand) -> None:
    """Legal name and tax id are optional until the brand's first invoice or receipt is issued; from then on
    every document carries them, so they cannot be left out (docs/invoices.md)."""
    if brand.documents.exists():
        missing = {
            field: _("Your invoices carry this: it cannot be left empty once one is issued.")
            for field in ("legal_name", "tax_id")
            if not getattr(brand, field)
        }
        if missing:
            raise ValidationError(missing)


def send_member_invite(*, user_id: int, brand_name: str) -> None:
    """Mail a new member a one-time link to set their password (Django's password-reset token)."""
    user = User.objects.get(pk=user_id)
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {"user": user, "brand_name": brand_name, "set_password_url": site_url(path)}
    subject = render_to_string("registration/member_invite_subject.txt", context)
    body = render_to_string("registration/member_invite_email.txt", context)
    send_mail_each(subject=subject, body=body, recipients=[user.email])


def _invite_on_commit(*, user: User, brand: Brand) -> None:
    # Losing this mail is recoverable: the owner can send the invitation again from the members page.
    user_id, brand_name = user.pk, brand.name
    transaction.on_commit(lambda: send_member_invite(user_id=user_id, brand_name=brand_name))


@transaction.atomic
def brand_member_add(*, brand: Brand, actor: User, email: str, role: str, full_name: str = "") -> BrandMembership:
    """Add the person with ``email`` to ``brand``; create their account when there is none.

    A new account gets an unusable password and, after commit, an invitation mail with a link to
    set one. Raises ValidationError (field ``email``) when the person already plays a part on Starmap
    (marketplace.core.roles.has_a_part: staff, a brand seat, a creator profile or an agency seat).
    """
    _owner_membership(brand=brand, actor=actor)
    email = User.objects.normalize_email(email)
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and has_a_part(user):
        raise ValidationError(
            {"email": _("This person already belongs to a brand, a creator or an agency; invite another address.")}
        )
    if user is None:
        user = User(email=email, full_name=full_name.strip())
        user.set_unusable_password()
        user.full_clean()
        user.save()
    membership = BrandMembership(brand=brand, user=user, role=role)
    membership.full_clean()
    membership.save()
    if not user.has_usable_password():
        _invite_on_commit(user=user, brand=brand)
    audit(actor=actor, action="brand.member_added", obj=brand, email=email, role=role)
    return membership


def _locked_membership(*, brand: Brand, membership_id: int) -> BrandMembership:
    # Locking the brand row serialises every member change of one brand, so two owners cannot
    # demote or remove each other at once and leave the brand without an owner.
    Brand.objects.select_for_update().get(pk=brand.pk)
    try:
        return BrandMembership.objects.select_related("user").get(pk=membership_id, brand=brand)
    except BrandMembership.DoesNotExist:
        raise NotFound(_("No such member.")) from None


def _is_last_owner(membership: BrandMembership) -> bool:
    if membership.role != BrandMembership.Role.OWNER:
        return False
    return (
        not BrandMembership.objects.filter(brand_id=membership.brand_id, role=BrandMembership.Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def brand_member_set_role(*, brand: Brand, actor: User, membership_id: int, role: str) -> BrandMembership:
    """Change a member's role. Raises Conflict when it would leave the brand without an owner."""
    _owner_membership(brand=brand, actor=actor)
    membership = _locked_membership(brand=brand, membership_id=membership_id)
    if role not in BrandMembership.Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if role != BrandMembership.Role.OWNER and _is_last_owner(membership):
        raise Conflict(_("A brand needs at least one owner."), field="role")
    old = membership.role
    update_fields(membership, role=role)
    audit(actor=actor, action="brand.member_role_changed", obj=brand, email=membership.user.email, old=old, new=role)
    return membership


@transaction.atomic
def brand_member_remove(*, brand: Brand, actor: User, membership_id: int) -> None:
    """Remove a member; their account stays. Raises Conflict for the last owner."""
    _owner_membership(brand=brand, actor=actor)
    membership = _locked_membership(brand=brand, membership_id=membership_id)
    if _is_last_owner(membership):
        raise Conflict(_("The last owner cannot be removed."))
    audit(actor=actor, action="brand.member_removed", obj=brand, email=membership.user.email, role=membership.role)
    membership.delete()


@transaction.atomic
def brand_member_resend_invite(*, brand: Brand, actor: User, membership_id: int) -> BrandMembership:
    """Send the set-password invitation again to a member who has never set a password."""
    _owner_membership(brand=brand, actor=actor)
    membership = _locked_membership(brand=brand, membership_id=membership_id)
    if membership.user.has_usable_password():
        raise Conflict(_("This member has already set a password."))
    _invite_on_commit(user=membership.user, brand=brand)
    audit(actor=actor, action="brand.member_invited", obj=brand, email=membership.user.email)
    return membership


@transaction.atomic
def brand_signup(*, email: str, password: str, full_name: str, brand_name: str) -> BrandMembership:
    """Create the user, their brand (with a unique slug) and their owner seat in it."""
    user = user_create(email=email, password=password, full_name=full_name)
    brand_create(name=brand_name, owner=user)
    audit(actor=user, action="account.signed_up", obj=user, kind="brand")
    return BrandMembership.objects.select_related("brand", "user").get(user=user)

"""The Django admin: every registered model opens, big tables stay cheap, append-only tables stay so."""

import ast
import uuid
from datetime import date, timedelta
from itertools import count
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, ForeignKeyRawIdWidget
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import CASCADE, SET_DEFAULT, SET_NULL
from django.forms import ModelChoiceField, SplitDateTimeWidget
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse

from brands.models import Brand, BrandBlock, BrandMembership
from creators.models import BlackoutPeriod, Creator, CreatorLabel, RatePrice
from learning.models import Course
from marketplace.core import audit
from marketplace.core.admin import InputSafeAdmin
from marketplace.core.models import AuditLog, OutboxMessage, ProductInterestPrior, User
from orders.models import Collaboration, Order, OrderEvent, OrderTargetLabel
from tests import factories
from tests.factories import (
    BrandFactory,
    CollaborationFactory,
    CreatorFactory,
    CreatorLabelFactory,
    InterestFactory,
    LabelFactory,
    MembershipFactory,
    OrderFactory,
    ProductCategoryFactory,
    RatePriceFactory,
    UserFactory,
)

# The admin on its own, so these tests do not depend on the pages other apps mount.
urlpatterns = [path("admin/", admin.site.urls)]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

_seq = count()


def _key() -> str:
    return str(uuid.uuid4())


@override_settings(PAYMENT_PROVIDER="sandbox", PAYOUT_MINIMUM=100)
def _money_flow() -> None:
    """One paid collaboration through the payouts services: a row in every payouts table."""
    from payouts import services

    order, creator = OrderFactory(), CreatorFactory()
    services.topup(brand_id=order.brand_id, amount=100_000, idempotency_key=_key())
    held = services.hold(order_id=order.pk, creator_id=creator.pk, amount=100_000, idempotency_key=_key())
    services.escrow(hold_id=held.pk, idempotency_key=_key())
    services.release(hold_id=held.pk, idempotency_key=_key())
    services.settle(hold_id=held.pk, idempotency_key=_key())
    services.payout_request(creator_id=creator.pk, amount=50_000, idempotency_key=_key())


def _latest_after_money_flow(label: str):
    def make():
        _money_flow()
        return apps.get_model(label).objects.order_by("-pk").first()

    return make


# One way to create a row of each registered model, by label; a model registered without one fails.
MAKERS = {
    "learning.course": lambda: Course.objects.create(
        slug=f"course-{next(_seq)}", stage="departure", title_en="A course", body_en="Some **text**."
    ),
    "marketplace.user": UserFactory,
    "auth.group": lambda: Group.objects.create(name=f"group-{next(_seq)}"),
    "marketplace.interest": InterestFactory,
    "marketplace.label": LabelFactory,
    "marketplace.productcategory": ProductCategoryFactory,
    "marketplace.productinterestprior": lambda: ProductInterestPrior.objects.create(
        product_category=ProductCategoryFactory(), interest=InterestFactory(), weight=0.5
    ),
    "orders.order": OrderFactory,
    "orders.ordertargetlabel": lambda: OrderTargetLabel.objects.create(order=OrderFactory(), label=LabelFactory()),
    "orders.orderevent": lambda: OrderEvent.objects.create(
        order=OrderFactory(), old_status="draft", new_status="published", actor=UserFactory()
    ),
    "orders.collaboration": CollaborationFactory,
    "marketplace.auditlog": lambda: audit(actor=UserFactory(), action="order_publish", obj=OrderFactory(), amount=100),
    "brands.brand": BrandFactory,
    "brands.brandmembership": MembershipFactory,
    "brands.brandblock": lambda: BrandBlock.objects.create(brand=BrandFactory(), creator=CreatorFactory()),
    "marketplace.outboxmessage": lambda: OutboxMessage.objects.create(topic="matching.rank", payload={"run_id": 1}),
    "creators.creator": CreatorFactory,
    "creators.creatorlabel": CreatorLabelFactory,
    "creators.rateprice": RatePriceFactory,
    "creators.blackoutperiod": lambda: BlackoutPeriod.objects.create(
        creator=CreatorFactory(), starts_on=date.today(), ends_on=date.today() + timedelta(days=3)
    ),
    **{
        f"payouts.{name}": _latest_after_money_flow(f"payouts.{name}")
        for name in ("account", "hold", "idempotencykey", "ledgertransaction", "payout", "topup")
    },
    "invoices.document": _latest_after_money_flow("invoices.document"),
}

# Tables that reach hundreds of thousands of rows: never a <select> listing all of them.
BIG_TABLES = {User, Creator, Order, Collaboration, Brand}

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label_lower)


# Tables whose rows and states the services own (every write through one service, with its checks, its money
# step and its audit row): the admin shows them and never adds, changes or deletes them, not even through an
# inline or a cascade. An order or a collaboration made here would have no hold, no event and no audit row.
# The set is read from the code (every table a service module writes), so a new table a service writes is
# read-only in the admin unless it is named below with the reason the admin may still edit it by hand.
def _service_written_tables() -> set[str]:
    """Labels of the models a services module creates, locks for update, updates or deletes (read by AST)."""
    models = {model.__name__: model._meta.label_lower for model in apps.get_models()}
    writes = {"create", "bulk_create", "get_or_create", "update_or_create", "update", "bulk_update", "delete"}
    writes |= {"select_for_update"}
    root = Path(__file__).resolve().parents[2]
    found = set()
    for source in [*root.glob("*/services.py"), *root.glob("*/services/*.py")]:
        for node in ast.walk(ast.parse(source.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id in models:
                found.add(models[func.id])  # Model(...): a row the service saves
            elif isinstance(func, ast.Attribute) and func.attr in writes:
                base = func.value
                while isinstance(base, ast.Attribute | ast.Call):
                    base = base.func if isinstance(base, ast.Call) else base.value
                if isinstance(base, ast.Name) and base.id in models:
                    found.add(models[base.id])
    return found


# Tables a service writes that staff still edit by hand, and why that is safe: every rule the services check
# for them lives on the model (validators, constraints), which the admin's form runs too. Never deleted here.
EDITED_BY_HAND_ALTHOUGH_A_SERVICE_WRITES = {
    "marketplace.user": "the admin's forms apply the one e-mail rule; users are deactivated, never deleted",
    "brands.brand": "name, slug and website are validated by the model; verification goes through its action",
    "creators.creator": "handle rules are model validators; verification goes through its action",
    "learning.course": "staff write courses here; install_courses only refreshes the shipped ones by slug",
    "matching.matchermodel": "training saves a model (matcher_model_train); staff switch it on or off, nothing else",
}
SERVICE_OWNED = {
    "orders.order",
    "orders.ordertargetlabel",
    "orders.orderevent",
    "orders.collaboration",
    "orders.collaborationevent",
    "orders.deliverable",
    "orders.dispute",
    "orders.resultsnapshot",
    "marketplace.auditlog",
    "marketplace.outboxmessage",
    "payouts.account",
    "payouts.hold",
    "payouts.idempotencykey",
    "payouts.ledgertransaction",
    "payouts.ledgerentry",
    "payouts.payout",
    "payouts.topup",
    "invoices.document",
    "matching.rankingrun",
    "matching.rankingresult",
} | (_service_written_tables() - set(EDITED_BY_HAND_ALTHOUGH_A_SERVICE_WRITES))
# What staff keep by hand: accounts, the catalogue, brands and creators, the matcher's switch.
EDITABLE = {
    "auth.group",
    "marketplace.user",
    "marketplace.interest",
    "marketplace.label",
    "marketplace.productcategory",
    "marketplace.productinterestprior",
    "brands.brand",
    "brands.brandblock",
    "creators.creator",
    "matching.matchermodel",
    "learning.course",  # staff write courses here (docs/courses.md)
}
READ_ONLY = [model for model in REGISTERED if model._meta.label_lower in SERVICE_OWNED]


def _superuser() -> User:
    """A superuser for permission checks at collection (unsaved: no database yet)."""
    return User(is_superuser=True, is_staff=True, is_active=True)


def _admin_allows(model, permission: str) -> bool:
    """Whether a superuser may ``permission`` (add, change, delete) through this model's admin."""
    request = RequestFactory().get("/admin/")
    request.user = _superuser()
    return getattr(admin.site._registry[model], f"has_{permission}_permission")(request)


def _admin_can_add(model) -> bool:
    return _admin_allows(model, "add")


# The admins with an add form: the others render no form fields to check.
WITH_ADD_FORM = [model for model in REGISTERED if _admin_can_add(model)]


def _ids(model) -> str:
    return model._meta.label_lower


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _make(model):
    """A new row of ``model``: from MAKERS, else from tests.factories.<Model>Factory."""
    make = MAKERS.get(model._meta.label_lower) or getattr(factories, f"{model.__name__}Factory", None)
    if make is None:
        pytest.fail(f"{model._meta.label} is in the admin; add a maker here or {model.__name__}Factory to factories")
    return make()


def _superuser_request(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    return request


@pytest.mark.parametrize("model", REGISTERED, ids=_ids)
def test_superuser_opens_the_changelist_and_sees_the_row(admin_client, model):
    obj = _make(model)

    response = admin_client.get(_url(model, "changelist"))

    assert response.status_code == 200
    assert obj.pk in [row.pk for row in response.context["cl"].result_list]


@pytest.mark.parametrize("model", REGISTERED, ids=_ids)
def test_superuser_opens_the_change_page(admin_client, model):
    obj = _make(model)

    response = admin_client.get(_url(model, "change", obj.pk))

    assert response.status_code == 200
    assert response.context["original"] == obj


@pytest.mark.parametrize("model", REGISTERED, ids=_ids)
def test_add_page_opens_exactly_when_the_admin_allows_adding(admin_client, admin_user, model):
    can_add = admin.site._registry[model].has_add_permission(_superuser_request(admin_user))

    response = admin_client.get(_url(model, "add"))

    assert response.status_code == (200 if can_add else 403)


@pytest.mark.parametrize("model", REGISTERED, ids=_ids)
@pytest.mark.parametrize("term", ["serum", "12345", '"two words"'])
def test_changelist_search_never_fails(admin_client, model, term):
    _make(model)

    response = admin_client.get(_url(model, "changelist"), {"q": term})

    assert response.status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=_ids)
def test_changelist_queries_do_not_grow_with_rows(admin_client, model):
    _make(model)
    admin_client.get(_url(model, "changelist"))  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as one_row:
        admin_client.get(_url(model, "changelist"))
    for _ in range(4):
        _make(model)

    with CaptureQueriesContext(connection) as five_rows:
        response = admin_client.get(_url(model, "changelist"))

    assert len(response.context["cl"].result_list) >= 5
    assert len(five_rows) == len(one_row), [q["sql"] for q in five_rows.captured_queries]


@pytest.mark.parametrize("model", WITH_ADD_FORM, ids=_ids)
def test_links_to_big_tables_are_raw_ids_or_autocomplete(admin_client, model):
    response = admin_client.get(_url(model, "add"))

    forms = [response.context["adminform"].form]
    forms += [f.form for formset in response.context["inline_admin_formsets"] for f in formset]
    for form in forms:
        for name, field in form.fields.items():
            if isinstance(field, ModelChoiceField) and field.queryset.model in BIG_TABLES:
                widget = getattr(field.widget, "widget", field.widget)  # unwrap RelatedFieldWidgetWrapper
                assert isinstance(widget, ForeignKeyRawIdWidget | AutocompleteSelect), f"{model.__name__}.{name}"


def _autocomplete_fields() -> list[tuple[type, str]]:
    """(model, field) of every autocomplete widget in the admin, inlines included."""
    found = []
    for model, model_admin in admin.site._registry.items():
        found += [(model, name) for name in model_admin.autocomplete_fields]
        for inline in model_admin.inlines:
            found += [(inline.model, name) for name in inline.autocomplete_fields]
    return sorted(set(found), key=lambda pair: (pair[0]._meta.label_lower, pair[1]))


@pytest.mark.parametrize(("model", "field"), _autocomplete_fields(), ids=lambda v: getattr(v, "__name__", v))
def test_autocomplete_widgets_answer_searches(admin_client, model, field):
    target = model._meta.get_field(field).related_model
    obj = _make(target)

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": model._meta.app_label, "model_name": model._meta.model_name, "field_name": field, "term": ""},
    )

    assert response.status_code == 200
    assert str(obj.pk) in [row["id"] for row in response.json()["results"]]


def test_big_table_changelists_skip_the_full_count():
    for model in BIG_TABLES:
        assert admin.site._registry[model].show_full_result_count is False, model.__name__


# ---------------------------------------------------------------- append-only


@pytest.mark.parametrize("model", READ_ONLY, ids=_ids)
def test_service_owned_admin_refuses_add_change_and_delete(admin_client, admin_user, model):
    obj = _make(model)
    before = model.objects.filter(pk=obj.pk).values().get()

    add = admin_client.post(_url(model, "add"), {})
    change = admin_client.post(_url(model, "change", obj.pk), {"action": "tampered", "new_status": "closed"})
    delete = admin_client.post(_url(model, "delete", obj.pk), {"post": "yes"})
    bulk_delete = admin_client.post(
        _url(model, "changelist"), {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    )

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert "delete_selected" not in admin.site._registry[model].get_actions(bulk_delete.wsgi_request)
    assert model.objects.filter(pk=obj.pk).values().get() == before
    model_admin = admin.site._registry[model]
    request = add.wsgi_request
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)


def test_every_admin_and_inline_starts_from_the_projects_input_safe_base():
    # Its list filters and forms turn NUL bytes and bad lookups into messages, not 500s (the hostile sweep
    # found a new admin built on Django's own class). Django's own models keep Django's admins.
    own = [m for m in admin.site._registry if not m.__module__.startswith("django.")]
    unsafe = [m._meta.label for m in own if not isinstance(admin.site._registry[m], InputSafeAdmin)]
    inlines = [
        f"{m._meta.label}: {inline.__name__}"
        for m in own
        for inline in admin.site._registry[m].inlines
        if not issubclass(inline, InputSafeAdmin)
    ]

    assert not unsafe and not inlines, f"use marketplace.core.admin's bases: {unsafe + inlines}"


def test_every_registered_model_is_either_service_owned_or_edited_by_hand():
    registered = {model._meta.label_lower for model in admin.site._registry}

    assert registered - SERVICE_OWNED - EDITABLE == set(), "say here whether the services own the new table"
    assert set() == SERVICE_OWNED & EDITABLE
    assert set(EDITED_BY_HAND_ALTHOUGH_A_SERVICE_WRITES) <= EDITABLE


def test_the_tables_a_service_writes_are_found_in_the_code():
    # The scan must see the services it guards, or the read-only rule would guard nothing.
    assert {"brands.brandmembership", "creators.rateprice", "orders.collaboration", "payouts.hold"} <= (
        _service_written_tables()
    )


def test_a_brands_last_owner_cannot_be_demoted_in_the_admin(admin_client):
    owner = MembershipFactory(role="owner")

    response = admin_client.post(
        _url(BrandMembership, "change", owner.pk), {"brand": owner.brand_id, "user": owner.user_id, "role": "viewer"}
    )

    assert response.status_code == 403
    owner.refresh_from_db()
    assert owner.role == "owner"


def test_a_rate_card_row_cannot_be_added_in_the_admin(admin_client):
    creator = CreatorFactory()

    response = admin_client.post(
        _url(RatePrice, "add"),
        {
            "creator": creator.pk,
            "format": "short_1_20",
            "amount": 9_999_999_999_999,
            "currency": "USD",
            "effective_from": date.today().replace(day=1).isoformat(),
        },
    )

    assert response.status_code == 403
    assert not RatePrice.objects.filter(creator=creator).exists()


def test_a_user_cannot_be_deleted_in_the_admin_only_deactivated(admin_client):
    creator = CreatorFactory()
    user = creator.user

    page = admin_client.get(_url(User, "change", user.pk))
    delete = admin_client.post(_url(User, "delete", user.pk), {"post": "yes"})
    bulk = admin_client.post(
        _url(User, "changelist"), {"action": "delete_selected", "_selected_action": [user.pk], "post": "yes"}
    )

    assert delete.status_code == 403
    assert bulk.status_code in (200, 302)
    assert User.objects.filter(pk=user.pk).exists()
    creator.refresh_from_db()
    assert creator.user_id == user.pk
    assert "Deactivate" in page.content.decode()


def test_no_inline_edits_a_service_owned_table():
    request = RequestFactory().get("/admin/")
    request.user = _superuser()
    editing = []
    for model, model_admin in admin.site._registry.items():
        for inline in model_admin.get_inline_instances(request):
            if inline.model._meta.label_lower in SERVICE_OWNED and (
                inline.has_add_permission(request, None)
                or inline.has_change_permission(request)
                or inline.has_delete_permission(request)
            ):
                editing.append(f"{model.__name__} → {inline.model.__name__}")

    assert editing == []


def _cascades(model, seen: frozenset = frozenset()) -> set[str]:
    """Every table whose rows a deletion of ``model``'s rows deletes or rewrites (SET_NULL, SET_DEFAULT) with
    it, hidden relations included: a creator whose user is deleted is left an orphan with its deals."""
    found = set()
    for rel in model._meta.get_fields(include_hidden=True):
        on_delete = getattr(rel, "on_delete", None)
        label = rel.related_model._meta.label_lower if rel.related_model else None
        if not rel.auto_created or rel.concrete or label in seen:
            continue
        if on_delete is CASCADE:
            found |= {label} | _cascades(rel.related_model, seen | {label})
        elif on_delete in (SET_NULL, SET_DEFAULT):
            found.add(label)
    return found


def test_no_deletion_in_the_admin_touches_rows_a_service_owns():
    request = RequestFactory().get("/admin/")
    request.user = _superuser()
    owned = SERVICE_OWNED | set(EDITED_BY_HAND_ALTHOUGH_A_SERVICE_WRITES)

    deleting = {
        model._meta.label_lower: sorted(_cascades(model) & owned)
        for model, model_admin in admin.site._registry.items()
        if model_admin.has_delete_permission(request) and _cascades(model) & owned
    }

    assert deleting == {}


def test_a_collaboration_cannot_be_made_in_the_admin(admin_client):
    order, creator = OrderFactory(status="published"), CreatorFactory()

    response = admin_client.post(
        _url(Collaboration, "add"),
        {"order": order.pk, "creator": creator.pk, "status": "offered", "origin": "offer", "currency": "CNY"},
    )

    assert response.status_code == 403
    assert not Collaboration.objects.exists()


def test_an_order_cannot_be_changed_in_the_admin(admin_client):
    order = OrderFactory(status="published", price_per_creator=500_000)

    response = admin_client.post(_url(Order, "change", order.pk), {"price_per_creator": 1, "currency": "USD"})

    assert response.status_code == 403
    order.refresh_from_db()
    assert (order.price_per_creator, order.currency) == (500_000, "CNY")


def _form_data(response) -> dict:
    """What the change page's forms (and inline formsets) hold, as a browser would post it back."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for name, field in form.fields.items():
            if field.disabled:
                continue
            value, key = form[name].value(), form.add_prefix(name)
            if isinstance(field.widget, SplitDateTimeWidget):
                for part, text in enumerate(field.widget.decompress(value)):
                    data[f"{key}_{part}"] = "" if text is None else str(text)
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif value is not None:
                data[key] = str(value)
    return data


EDITABLE_WITH_CHANGE = [m for m in REGISTERED if m._meta.label_lower in EDITABLE and _admin_allows(m, "change")]


@pytest.mark.parametrize("model", EDITABLE_WITH_CHANGE, ids=_ids)
def test_a_table_edited_by_hand_saves_its_change_page_as_shown(admin_client, model):
    obj = _make(model)
    page = admin_client.get(_url(model, "change", obj.pk))

    response = admin_client.post(_url(model, "change", obj.pk), _form_data(page))

    assert response.status_code == 302, _page_errors(response)


def _page_errors(response) -> list:
    context = response.context or {}
    errors = [context["adminform"].form.errors] if "adminform" in context else []
    return errors + [f.formset.errors for f in context.get("inline_admin_formsets", [])]


def test_rate_card_rows_cannot_be_changed_in_the_admin(admin_client):
    price = RatePriceFactory(amount=500_000)

    response = admin_client.post(
        _url(RatePrice, "change", price.pk),
        {"creator": price.creator_id, "format": price.format, "amount": 1, "currency": price.currency},
    )

    assert response.status_code == 403
    price.refresh_from_db()
    assert price.amount == 500_000


# ---------------------------------------------------------------------- users


def test_user_admin_creates_a_user_by_email_without_a_username(admin_client):
    response = admin_client.post(
        _url(User, "add"),
        {
            "email": "New.Person@Example.test",
            "usable_password": "true",
            "password1": "a-long-test-passphrase-9",
            "password2": "a-long-test-passphrase-9",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="new.person@example.test")
    assert user.check_password("a-long-test-passphrase-9")
    assert not user.is_staff


def test_user_admin_refuses_an_email_that_differs_only_in_case(admin_client):
    UserFactory(email="taken@example.test")

    response = admin_client.post(
        _url(User, "add"),
        {
            "email": "Taken@Example.test",
            "usable_password": "true",
            "password1": "a-long-test-passphrase-9",
            "password2": "a-long-test-passphrase-9",
        },
    )

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert User.objects.filter(email__iexact="taken@example.test").count() == 1


def test_user_admin_changes_a_user_without_a_username(admin_client):
    user = UserFactory(email="member@example.test", full_name="Old Name")

    response = admin_client.post(
        _url(User, "change", user.pk),
        {"email": "Member@Example.test", "full_name": "New Name", "time_zone": "Asia/Shanghai", "is_active": "on"},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert (user.email, user.full_name, user.time_zone) == ("member@example.test", "New Name", "Asia/Shanghai")


def test_user_admin_refuses_changing_an_email_to_another_users_in_other_case(admin_client):
    UserFactory(email="first@example.test")
    second = UserFactory(email="second@example.test")

    response = admin_client.post(
        _url(User, "change", second.pk), {"email": "FIRST@example.test", "time_zone": "UTC", "is_active": "on"}
    )

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    second.refresh_from_db()
    assert second.email == "second@example.test"


# -------------------------------------------------------------------- search


def test_searching_digits_finds_the_creator_with_that_id(admin_client):
    wanted, other = CreatorFactory(), CreatorFactory()

    response = admin_client.get(_url(Creator, "changelist"), {"q": str(wanted.pk)})

    assert [c.pk for c in response.context["cl"].result_list] == [wanted.pk]
    assert other.pk != wanted.pk


def test_searching_digits_also_finds_the_creator_whose_handle_is_those_digits(admin_client):
    by_id = CreatorFactory()
    by_handle = CreatorFactory(handle=str(by_id.pk))
    on_instagram = CreatorFactory(platform="instagram", platform_handle=str(by_id.pk))
    rows = {
        RatePrice: RatePriceFactory(creator=by_handle),
        CreatorLabel: CreatorLabelFactory(creator=by_handle),
        BlackoutPeriod: BlackoutPeriod.objects.create(creator=by_handle, starts_on=date.today(), ends_on=date.today()),
        Collaboration: CollaborationFactory(creator=by_handle),
    }
    CreatorFactory()

    creators = admin_client.get(_url(Creator, "changelist"), {"q": str(by_id.pk)}).context["cl"].result_list

    assert {c.pk for c in creators} == {by_id.pk, by_handle.pk, on_instagram.pk}
    for model, row in rows.items():
        found = admin_client.get(_url(model, "changelist"), {"q": str(by_id.pk)}).context["cl"].result_list
        assert row in list(found), model.__name__


def test_searching_text_finds_creators_by_handle(admin_client):
    CreatorFactory(handle="glow-with-mei")
    CreatorFactory(handle="tech-tom")

    response = admin_client.get(_url(Creator, "changelist"), {"q": "glow"})

    assert [c.handle for c in response.context["cl"].result_list] == ["glow-with-mei"]


# ---------------------------------------------------------------- verification


@pytest.mark.parametrize(
    ("model", "factory"), [(Creator, CreatorFactory), (Brand, BrandFactory)], ids=["creator", "brand"]
)
def test_mark_verified_action_verifies_and_audits_each_change(admin_client, admin_user, model, factory):
    pending = [factory(verification="pending"), factory(verification="unverified")]
    already = factory(verification="verified", verified_at=None)

    response = admin_client.post(
        _url(model, "changelist"),
        {"action": "mark_verified", "_selected_action": [o.pk for o in [*pending, already]]},
    )

    assert response.status_code == 302
    for obj in pending:
        obj.refresh_from_db()
        assert obj.verification == "verified"
        assert obj.verified_at is not None
    entries = AuditLog.objects.filter(action=f"{model._meta.model_name}.verification")
    assert sorted(int(e.object_id) for e in entries) == sorted(o.pk for o in pending)
    assert {e.actor_id for e in entries} == {admin_user.pk}
    assert {(e.data["old"], e.data["new"]) for e in entries} == {("pending", "verified"), ("unverified", "verified")}
    assert {e.object_type for e in entries} == {model._meta.label_lower}
    already.refresh_from_db()
    assert already.verified_at is None


def test_reject_action_clears_the_verified_date(admin_client):
    creator = CreatorFactory(verification="verified")
    creator.verified_at = creator.updated_at
    creator.save()

    admin_client.post(_url(Creator, "changelist"), {"action": "mark_rejected", "_selected_action": [creator.pk]})

    creator.refresh_from_db()
    assert (creator.verification, creator.verified_at) == ("rejected", None)


def test_creator_verification_moves_updated_at_so_the_matcher_sees_it(admin_client):
    creator = CreatorFactory(verification="pending")
    before = Creator.objects.values_list("updated_at", flat=True).get(pk=creator.pk)

    admin_client.post(_url(Creator, "changelist"), {"action": "mark_verified", "_selected_action": [creator.pk]})

    assert Creator.objects.values_list("updated_at", flat=True).get(pk=creator.pk) > before


def test_creator_change_page_shows_labels_rates_and_blackouts_inline(admin_client):
    link = CreatorLabelFactory()
    RatePriceFactory(creator=link.creator)
    BlackoutPeriod.objects.create(creator=link.creator, starts_on=date.today(), ends_on=date.today())

    response = admin_client.get(_url(Creator, "change", link.creator.pk))

    formsets = {f.formset.model: f for f in response.context["inline_admin_formsets"]}
    assert set(formsets) == {CreatorLabel, RatePrice, BlackoutPeriod}
    assert all(len(f.formset.queryset) == 1 for f in formsets.values())
    assert all(not f.formset.form.base_fields for f in formsets.values())  # shown, written only by the services

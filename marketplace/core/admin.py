"""Django admin for the platform tables: users, the IAB catalogue, orders and the audit log.

Tables that grow to millions of rows (users, creators, collaborations, the audit log) use
``LargeTableAdmin``: no second COUNT(*) for "N total", foreign keys to them as raw ids (never a
<select> of every row), related rows joined for the list, and a search of digits finds by id.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.forms.fields import InvalidJSONInput
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.core.forms import EmailAddressField
from marketplace.core.models import (
    AuditLog,
    Interest,
    Label,
    OutboxMessage,
    ProductCategory,
    ProductInterestPrior,
    User,
)
from marketplace.core.params import MAX_ID, json_problem, whole_number
from marketplace.core.verification import set_verification

# A search that is an object id (a whole number a bigint holds) finds by id; anything else is text.
_FILTER_TEXT = forms.CharField(required=False, strip=False)
# One admin action writes at most this many rows with their audit entries in one transaction.
MAX_ACTION_ROWS = 1000


class JSONFormField(forms.JSONField):
    """Django's JSON form field, refusing what it let through: numbers past int's 4,300 digits (ValueError)
    and nesting past Python's recursion (RecursionError) were 500s; it also takes params.json_problem's rules."""

    def to_python(self, value):
        try:
            converted = super().to_python(value)
        except (ValueError, RecursionError):
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from None
        if json_problem(converted):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value})
        return converted

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except (ValueError, RecursionError):
            return InvalidJSONInput(data)


class SafeAutocompleteSelect(AutocompleteSelect):
    """The admin's autocomplete, drawing a submitted form again only with ids its column can hold (Django
    looked every submitted value up: "²" or a NUL byte in a refused form was a 500 on the way back)."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        target = remote.model._meta.get_field(remote.field_name)

        def holds(item) -> bool:
            try:
                target.to_python(item)
            except ValidationError:
                return False
            return "\x00" not in str(item)

        return super().optgroups(name, [item for item in value if holds(item)], attr)


class InputSafeAdmin(admin.options.BaseModelAdmin):
    """Every admin and inline of the project starts from this: its forms refuse bad input with a message."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.JSONField):
            kwargs.setdefault("form_class", JSONFormField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ModelAdmin(InputSafeAdmin, admin.ModelAdmin):
    def get_changelist_instance(self, request):
        # The list's filters and search box pass their values to the query as they come, and PostgreSQL text
        # cannot hold a NUL byte (a 500): such a value is a bad lookup, which Django answers with the whole list.
        try:
            for _name, values in request.GET.lists():
                for value in values:
                    _FILTER_TEXT.clean(value)
        except ValidationError as exc:
            raise IncorrectLookupParameters(exc) from None
        return super().get_changelist_instance(request)


class TabularInline(InputSafeAdmin, admin.TabularInline):
    pass


class LargeTableAdmin(ModelAdmin):
    """Base for tables with millions of rows."""

    show_full_result_count = False
    list_per_page = 50

    def get_search_results(self, request, queryset, search_term):
        # The primary key is indexed; the text fields are not, so an id search must not scan them.
        term = search_term.strip()
        number = whole_number(term, most=MAX_ID)  # ASCII digits only: "²" and a NUL are text, not ids
        if number is not None and number <= MAX_ID:
            return queryset.filter(self.digits_match(term)), False
        return super().get_search_results(request, queryset, search_term)

    def digits_match(self, term: str) -> Q:
        """What a search term of digits finds: the id, and in subclasses indexed names that may be
        digits too (a handle "2024" is a handle, not only an id)."""
        return Q(pk=int(term))


class ReadOnlyAdmin(ModelAdmin):
    """Tables the services own (append-only logs, the deal, the money, ranking runs): staff may look, nobody
    may add, change or delete through the admin. A row made here would skip the service that checks it,
    moves its money and audits it (a collaboration made in the admin had no hold, and accepting it failed)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def run_verification_action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, *, to: str) -> None:
    """The body of the "mark verified / rejected" actions of the brand and creator admins."""
    pks = list(queryset.exclude(verification=to).values_list("pk", flat=True)[: MAX_ACTION_ROWS + 1])
    if len(pks) > MAX_ACTION_ROWS:
        modeladmin.message_user(
            request, _("Select at most %(max)d rows at a time.") % {"max": MAX_ACTION_ROWS}, messages.ERROR
        )
        return
    changed = set_verification(actor=request.user, model=queryset.model, pks=pks, to=to)
    modeladmin.message_user(
        request,
        ngettext("%(count)d row updated.", "%(count)d rows updated.", changed) % {"count": changed},
        messages.SUCCESS,
    )


# -------------------------------------------------------------------- users


def _clean_email(form: forms.ModelForm) -> str:
    # One spelling per address (normalize_email); the admin must not create a second one.
    email = User.objects.normalize_email(form.cleaned_data["email"])
    others = User.objects.exclude(pk=form.instance.pk) if form.instance.pk else User.objects.all()
    if others.filter(email__iexact=email).exists():
        raise forms.ValidationError(_("A user with that e-mail address already exists."))
    return email


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)
        field_classes = {"email": EmailAddressField}

    clean_email = _clean_email


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes = {"email": EmailAddressField}

    clean_email = _clean_email


@admin.register(User)
class UserAdmin(LargeTableAdmin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "time_zone")}),
        (
            _("Permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "description": _("Deactivate a user instead of deleting them: their deals and money stay theirs."),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),)
    readonly_fields = ("last_login", "date_joined")
    list_display = ("email", "full_name", "is_staff", "is_superuser", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "full_name")
    ordering = ("email",)

    def has_delete_permission(self, request, obj=None) -> bool:
        # A user leaves by being deactivated (untick "active"): deleting the row would orphan their creator
        # profile with its deals and money (Creator.user is SET_NULL) and drop their brand seats.
        return False


# ---------------------------------------------------------------- catalogue


@admin.register(Interest)
class InterestAdmin(ModelAdmin):
    list_display = ("name", "iab_id")
    search_fields = ("name", "iab_id")


@admin.register(Label)
class LabelAdmin(ModelAdmin):
    list_display = ("path", "iab_id", "tier", "interest")
    list_filter = ("tier", "interest")
    search_fields = ("name", "path", "iab_id")
    autocomplete_fields = ("interest", "parent")
    list_select_related = ("interest",)


@admin.register(ProductCategory)
class ProductCategoryAdmin(ModelAdmin):
    list_display = ("path", "iab_id", "tier")
    list_filter = ("tier",)
    search_fields = ("name", "path", "iab_id")
    autocomplete_fields = ("parent",)

    def has_delete_permission(self, request, obj=None) -> bool:
        # The catalogue is loaded by its import; deleting a category would blank the industry of its brands.
        return False


@admin.register(ProductInterestPrior)
class ProductInterestPriorAdmin(ModelAdmin):
    list_display = ("product_category", "interest", "weight")
    list_filter = ("interest",)
    search_fields = ("product_category__path", "interest__name")
    autocomplete_fields = ("product_category", "interest")
    list_select_related = ("product_category", "interest")
    ordering = ("product_category__path", "-weight")


# -------------------------------------------------------------------- audit


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    # Digits searched here are far more often an object id than an audit row id: no id shortcut.
    show_full_result_count = False
    list_per_page = 50
    list_display = ("created_at", "action", "object_type", "object_id", "actor", "request_id")
    search_fields = ("action", "object_type", "=object_id", "=request_id", "actor__email")
    list_select_related = ("actor",)
    ordering = ("-id",)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin, LargeTableAdmin):
    """Messages are written by services and sent by the relay; here staff see what is stuck."""

    list_display = ("id", "topic", "created_at", "dispatched_at", "acknowledged_at", "attempts", "last_error")
    list_filter = (("acknowledged_at", admin.EmptyFieldListFilter), ("dispatched_at", admin.EmptyFieldListFilter))
    search_fields = ("topic",)
    ordering = ("-id",)

"""Form fields every app's forms share."""

from django import forms

from marketplace.core.models import User


class EmailAddressField(forms.EmailField):
    """An e-mail address in the one spelling accounts are stored in (User.objects.normalize_email), normalised
    before it is validated, so a CJK keyboard's fullwidth letters are an address and not an error."""

    def to_python(self, value):
        return User.objects.normalize_email(super().to_python(value))

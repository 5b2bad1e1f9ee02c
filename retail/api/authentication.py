"""API authentication: DRF's token scheme, with the user and their permissions read together."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from retail.auth import token_user


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's ``TokenAuthentication`` (same header, same errors, same messages), except that the
    token's user comes with their permissions in one statement (``retail.auth.token_user``): every
    API request with a token checks permissions, and Django would read them in a second round trip."""

    def authenticate_credentials(self, key):
        found = token_user(key)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user, token = found
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, token
